//! The camera for scanning on Linux tablets. WebKitGTK ships with media capture off and refuses
//! every permission request nobody answers; this turns capture on and grants the main window the
//! camera, and nothing else it might ask for (no microphone, no location, no notifications).
//! Elsewhere (Android, iOS, Windows) the system asks the operator, and nothing here is needed.

use tauri::{Runtime, WebviewWindow};

/// Lets `window` use the camera (and only the camera).
pub fn allow_camera<R: Runtime>(window: &WebviewWindow<R>) -> tauri::Result<()> {
    #[cfg(target_os = "linux")]
    window.with_webview(|webview| {
        use webkit2gtk::glib::prelude::Cast;
        use webkit2gtk::{
            PermissionRequestExt, SettingsExt, UserMediaPermissionRequest,
            UserMediaPermissionRequestExt, WebViewExt,
        };
        let view = webview.inner();
        if let Some(settings) = WebViewExt::settings(&view) {
            settings.set_enable_media_stream(true);
        }
        view.connect_permission_request(|_, request| {
            match request.downcast_ref::<UserMediaPermissionRequest>() {
                Some(media) if media.is_for_video_device() && !media.is_for_audio_device() => {
                    request.allow();
                }
                _ => request.deny(),
            }
            true
        });
    })?;
    #[cfg(not(target_os = "linux"))]
    let _ = window;
    Ok(())
}
