//! Real user interfaces under WebDriver: the tablet app on a private X display (Xvfb) through
//! `tauri-driver` (which starts WebKitWebDriver and the app), and the supervisor web pages in
//! headless Chromium through chromedriver. A synchronous wrapper over the WebDriver client lets
//! tests read like what a person does: scan, type, tap, look. Everything is stopped on drop.

use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a screen may take to show what a test waits for.
const PATIENCE: Duration = Duration::from_secs(30);

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn find_program(name: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".cargo/bin"));
    }
    dirs.into_iter()
        .map(|d| d.join(name))
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!("{name} is missing: scripts/deps.sh installs it (Xvfb, WebKitWebDriver, tauri-driver)")
        })
}

/// A private X server on the first free display number from 90.
#[derive(Debug)]
struct Display {
    child: Child,
    number: u32,
}

impl Display {
    fn start(width: u32, height: u32) -> Self {
        let xvfb = find_program("Xvfb");
        for number in 90..190 {
            let lock = format!("/tmp/.X{number}-lock");
            if Path::new(&lock).exists() {
                // A lock left by an X server that is gone (killed before it could clean up) is
                // stale: take the number. One whose process lives is another's display.
                let pid = std::fs::read_to_string(&lock)
                    .ok()
                    .and_then(|p| p.trim().parse::<u32>().ok());
                if pid.is_some_and(|p| Path::new(&format!("/proc/{p}")).exists()) {
                    continue;
                }
                let _ = std::fs::remove_file(&lock);
                let _ = std::fs::remove_file(format!("/tmp/.X11-unix/X{number}"));
            }
            let child = Command::new(&xvfb)
                .arg(format!(":{number}"))
                .args([
                    "-screen",
                    "0",
                    &format!("{width}x{height}x24"),
                    "-nolisten",
                    "tcp",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let mut d = Self { child, number };
            let socket = format!("/tmp/.X11-unix/X{number}");
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(10) {
                if Path::new(&socket).exists() {
                    return d;
                }
                if let Ok(Some(_)) = d.child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = d.child.kill();
            let _ = d.child.wait();
        }
        panic!("no X display could be started with Xvfb");
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        // SIGTERM first: Xvfb removes its lock file and socket then; SIGKILL would leave them.
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A WebDriver session with the driver process (and display) behind it.
#[derive(Debug)]
pub struct TabletApp {
    rt: tokio::runtime::Runtime,
    client: Option<Client>,
    driver: Child,
    _display: Option<Display>,
    shots: PathBuf,
    /// The tablet app, used with gloves: its screens are held to the 48 px touch target.
    touch: bool,
}

/// Waits for a driver's port, then opens a session (retrying while the driver warms up) on a
/// runtime of its own, which the synchronous wrapper blocks on.
fn session(
    port: u16,
    caps: serde_json::Map<String, serde_json::Value>,
) -> (tokio::runtime::Runtime, Client) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the WebDriver server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    loop {
        let attempt = rt.block_on(
            // WebDriver on loopback is plain HTTP: no TLS stack needed.
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}")),
        );
        match attempt {
            Ok(c) => return (rt, c),
            Err(_) if start.elapsed() < Duration::from_secs(30) => {
                std::thread::sleep(Duration::from_millis(250));
            }
            Err(e) => panic!("no WebDriver session: {e}"),
        }
    }
}

/// The supervisor web pages and the tablet app are driven the same way.
pub type Browser = TabletApp;

impl TabletApp {
    /// Headless Chromium (Debian's `chromium` and `chromedriver`), a fresh profile, 1280x800 (a
    /// tablet held sideways; supervisors use tablets on the floor too, so the pages are held to
    /// the same layout rules as the app).
    pub fn chromium(profile: &Path, shots: &Path) -> Self {
        let port = free_port();
        let driver = Command::new(find_program("chromedriver"))
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": find_program("chromium"),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1280,800",
                    format!("--user-data-dir={}", profile.display()),
                ],
            }),
        );
        let (rt, client) = session(port, caps);
        std::fs::create_dir_all(shots).unwrap();
        Self {
            rt,
            client: Some(client),
            driver,
            _display: None,
            shots: shots.to_path_buf(),
            touch: true,
        }
    }

    /// Opens `url` in the session.
    pub fn goto(&self, url: &str) {
        self.rt.block_on(self.client().goto(url)).unwrap();
    }

    /// Starts the app binary with `AISLE_DB=db`, syncing in the background every second.
    pub fn start(app: &Path, db: &Path, shots: &Path) -> Self {
        let display = Display::start(1280, 1280);
        let port = free_port();
        let native = free_port();
        let driver = Command::new(find_program("tauri-driver"))
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .env("DISPLAY", format!(":{}", display.number))
            // The WebView's own storage (the scanner settings, each operator's language) beside
            // the database, so that every test starts from a tablet fresh out of the box.
            .env("XDG_DATA_HOME", db.with_extension("webview"))
            .env("XDG_CACHE_HOME", db.with_extension("webview-cache"))
            .env("AISLE_DB", db)
            .env("AISLE_SYNC_INTERVAL", "1")
            // Its own process group, so WebKitWebDriver and the app under it stop with it.
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app }),
        );
        caps.insert("browserName".into(), "wry".into());
        let (rt, client) = session(port, caps);
        std::fs::create_dir_all(shots).unwrap();
        let app = Self {
            rt,
            client: Some(client),
            driver,
            _display: Some(display),
            shots: shots.to_path_buf(),
            touch: true,
        };
        app.resize(1280, 800);
        app
    }

    fn client(&self) -> &Client {
        self.client.as_ref().unwrap()
    }

    fn find(&self, testid: &str) -> Element {
        let css = format!("[data-testid=\"{testid}\"]");
        let start = Instant::now();
        loop {
            if let Ok(e) = self.rt.block_on(self.client().find(Locator::Css(&css))) {
                return e;
            }
            if start.elapsed() > PATIENCE {
                self.fail(&format!("nothing with data-testid={testid} appeared"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Saves a screenshot for the failure and panics with what the screen said.
    fn fail(&self, why: &str) -> ! {
        let shot = self.shots.join("failure.png");
        if let Ok(png) = self.rt.block_on(self.client().screenshot()) {
            let _ = std::fs::write(&shot, png);
        }
        let body = self
            .rt
            .block_on(async { self.client().find(Locator::Css("body")).await?.text().await })
            .unwrap_or_default();
        panic!(
            "{why}\nthe screen said:\n{body}\n(screenshot: {})",
            shot.display()
        );
    }

    /// Waits for the sign-in form.
    pub fn find_signin(&self) {
        self.find("signin");
    }

    /// Waits for an element to appear.
    pub fn find_testid(&self, testid: &str) {
        self.find(testid);
    }

    pub fn exists(&self, testid: &str) -> bool {
        let css = format!("[data-testid=\"{testid}\"]");
        self.rt
            .block_on(self.client().find(Locator::Css(&css)))
            .is_ok()
    }

    pub fn text(&self, testid: &str) -> String {
        let e = self.find(testid);
        self.rt.block_on(e.text()).unwrap_or_default()
    }

    pub fn value(&self, testid: &str) -> String {
        let e = self.find(testid);
        self.rt
            .block_on(e.prop("value"))
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// Waits until the element's text satisfies `ok`; returns that text.
    pub fn wait_text(&self, testid: &str, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let css = format!("[data-testid=\"{testid}\"]");
            let text = self
                .rt
                .block_on(async { self.client().find(Locator::Css(&css)).await?.text().await })
                .unwrap_or_default();
            if ok(&text) {
                return text;
            }
            if start.elapsed() > PATIENCE {
                self.fail(&format!("{testid} never showed {what}; it shows {text:?}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits for the feedback line to contain `part`.
    pub fn feedback(&self, part: &str) -> String {
        self.wait_text("feedback", part, |t| t.contains(part))
    }

    /// The number of the message on screen (every message gets the next), 0 before the first.
    pub fn feedback_serial(&self) -> u64 {
        let script = "const f = document.querySelector('[data-testid=\"feedback\"]'); return f ? Number(f.dataset.serial) : 0;";
        self.rt
            .block_on(self.client().execute(script, vec![]))
            .ok()
            .and_then(|v| v.as_u64())
            .unwrap_or(0)
    }

    /// Waits for a message newer than number `after`; returns its tone and text.
    pub fn feedback_after(&self, after: u64) -> (String, String) {
        let start = Instant::now();
        while self.feedback_serial() <= after {
            if start.elapsed() > PATIENCE {
                self.fail(&format!("no message after #{after}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let e = self.find("feedback");
        let tone = self
            .rt
            .block_on(e.attr("data-tone"))
            .ok()
            .flatten()
            .unwrap_or_default();
        (tone, self.rt.block_on(e.text()).unwrap_or_default())
    }

    /// Taps a control where a person would: brought to the middle of the screen first (scrolled
    /// into view at the top edge, it would sit under the sticky status bar).
    pub fn tap(&self, testid: &str) {
        let e = self.find(testid);
        let centre = self.rt.block_on(self.client().execute(
            "arguments[0].scrollIntoView({ block: 'center' });",
            vec![serde_json::to_value(&e).unwrap()],
        ));
        if let Err(err) = centre {
            self.fail(&format!("scrolling to {testid} failed: {err}"));
        }
        if let Err(err) = self.rt.block_on(e.click()) {
            self.fail(&format!("tapping {testid} failed: {err}"));
        }
    }

    /// Chooses an option of a drop-down by its value. A native drop-down's pop-up list is drawn
    /// outside the page, where WebDriver cannot tap, so the choice is made as the pop-up makes
    /// it: the value set and a `change` event sent; the page's own binding does the rest.
    pub fn choose(&self, testid: &str, value: &str) {
        self.find(testid);
        // The list may still be filling (a page drawn again with its data): wait for the option.
        let start = Instant::now();
        let has = "const s = document.querySelector(`[data-testid=\"${arguments[0]}\"]`); \
                   return s !== null && [...s.options].some((o) => o.value === arguments[1]);";
        while self
            .rt
            .block_on(
                self.client()
                    .execute(has, vec![testid.into(), value.into()]),
            )
            .ok()
            .and_then(|v| v.as_bool())
            != Some(true)
        {
            if start.elapsed() > PATIENCE {
                self.fail(&format!("{testid} never offered {value:?}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let script = "const s = document.querySelector(`[data-testid=\"${arguments[0]}\"]`); \
                      s.value = arguments[1]; s.dispatchEvent(new Event('change', { bubbles: true }));";
        let done = self.rt.block_on(
            self.client()
                .execute(script, vec![testid.into(), value.into()]),
        );
        if let Err(err) = done {
            self.fail(&format!("choosing {value:?} in {testid} failed: {err}"));
        }
        // The change may redraw the page (a filter in the address): read the new list's value,
        // not the one a redraw just took away.
        let start = Instant::now();
        while self.value(testid) != value {
            if start.elapsed() > PATIENCE {
                self.fail(&format!("{testid} did not take {value:?}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A barcode scan: the whole code and Enter, at a scanner's speed, into the screen's scan
    /// field (the badge field at sign-in).
    pub fn scan(&self, raw: &str) {
        let e = self.find(if self.exists("signin") {
            "badge"
        } else {
            "manual"
        });
        let keys = format!("{raw}{}", char::from(Key::Enter));
        self.rt.block_on(e.send_keys(&keys)).unwrap();
    }

    /// Chooses a file in a file input, as the tablet's file or camera picker would.
    pub fn send_file(&self, testid: &str, path: &Path) {
        let e = self.find(testid);
        if let Err(err) = self.rt.block_on(e.send_keys(&path.display().to_string())) {
            self.fail(&format!(
                "choosing {} in {testid} failed: {err}",
                path.display()
            ));
        }
    }

    /// Answers "OK" to the page's confirmation dialog (`window.confirm`).
    pub fn accept_dialog(&self) {
        if let Err(err) = self.rt.block_on(self.client().accept_alert()) {
            self.fail(&format!("no dialog to accept: {err}"));
        }
    }

    /// Runs `script` in the page (`arguments[0]` is `arg`) and returns what it returned.
    pub fn run_script(&self, script: &str, arg: serde_json::Value) -> serde_json::Value {
        match self.rt.block_on(self.client().execute(script, vec![arg])) {
            Ok(v) => v,
            Err(err) => self.fail(&format!("the script failed: {err}")),
        }
    }

    /// The `data-testid` of the element that has focus ("" when none has one).
    pub fn focused(&self) -> String {
        let script = "const e = document.activeElement; return e && e.dataset ? (e.dataset.testid || '') : '';";
        self.rt
            .block_on(self.client().execute(script, vec![]))
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// Waits until the element with `testid` has focus.
    pub fn wait_focus(&self, testid: &str) {
        let start = Instant::now();
        while self.focused() != testid {
            if start.elapsed() > PATIENCE {
                self.fail(&format!(
                    "{testid} never had focus; {:?} has",
                    self.focused()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Keys as a scanner types them, into whatever has focus (as a wedge scanner does), then
    /// Enter.
    pub fn scan_into_focus(&self, raw: &str) {
        let e = self.rt.block_on(self.client().active_element()).unwrap();
        let keys = format!("{raw}{}", char::from(Key::Enter));
        self.rt.block_on(e.send_keys(&keys)).unwrap();
    }

    /// A scanner's burst split by a busy machine, into whatever has focus: the first `split`
    /// characters, a pause long enough for the app to take them for typing, then the page's
    /// main thread kept busy while the rest and Enter arrive.
    pub fn scan_split_into_focus(&self, raw: &str, split: usize) {
        let (first, rest) = raw.split_at(split);
        let e = self.rt.block_on(self.client().active_element()).unwrap();
        self.rt.block_on(e.send_keys(first)).unwrap();
        std::thread::sleep(Duration::from_millis(400));
        let stall = "setTimeout(() => { const t = performance.now(); while (performance.now() - t < 300) {} }, 0); return 1;";
        let _ = self.rt.block_on(self.client().execute(stall, vec![]));
        let keys = format!("{rest}{}", char::from(Key::Enter));
        self.rt.block_on(e.send_keys(&keys)).unwrap();
    }

    /// A scan whose GS separators the scanner sends as Ctrl+] (ASCII 29 typed on a keyboard),
    /// into the screen's scan field.
    pub fn scan_ctrl_gs(&self, raw: &str) {
        let e = self.find("manual");
        // A modifier in a key sequence stays down until pressed again.
        let gs = format!("{}]{}", char::from(Key::Control), char::from(Key::Control));
        let keys = format!("{}{}", raw.replace('\u{1d}', &gs), char::from(Key::Enter));
        self.rt.block_on(e.send_keys(&keys)).unwrap();
    }

    /// Waits until nothing with `testid` is on screen.
    pub fn wait_gone(&self, testid: &str) {
        let start = Instant::now();
        while self.exists(testid) {
            if start.elapsed() > PATIENCE {
                self.fail(&format!("{testid} stayed on screen"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether the element is wholly inside the window as the screen stands (no scrolling).
    pub fn in_view(&self, testid: &str) -> bool {
        let e = self.find(testid);
        let script = "const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0 && r.right <= window.innerWidth;";
        self.rt
            .block_on(
                self.client()
                    .execute(script, vec![serde_json::to_value(&e).unwrap()]),
            )
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }

    /// Empties a text field.
    pub fn clear(&self, testid: &str) {
        let e = self.find(testid);
        self.rt.block_on(e.clear()).unwrap();
    }

    /// A person typing into a field: one key at a time, slower than any scanner, then Enter
    /// when `enter`.
    pub fn type_slowly(&self, testid: &str, text: &str, enter: bool) {
        let e = self.find(testid);
        let mut keys: Vec<String> = text.chars().map(String::from).collect();
        if enter {
            keys.push(char::from(Key::Enter).to_string());
        }
        for k in keys {
            self.rt.block_on(e.send_keys(&k)).unwrap();
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Typing a value into a field in one go (a pasted or quickly typed address), checked.
    pub fn fill(&self, testid: &str, text: &str) {
        let e = self.find(testid);
        self.rt.block_on(e.send_keys(text)).unwrap();
        let start = Instant::now();
        while self.value(testid) != text {
            if start.elapsed() > PATIENCE {
                self.fail(&format!(
                    "{testid} holds {:?}, not {text:?}",
                    self.value(testid)
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn resize(&self, width: u32, height: u32) {
        let _ = self
            .rt
            .block_on(self.client().set_window_size(width, height));
        std::thread::sleep(Duration::from_millis(300));
    }

    /// What is wrong with the screen's layout for gloved hands: a page wider than the window
    /// (it scrolls sideways), and controls smaller than the 48 px touch target (a checkbox
    /// counts by its label, which takes the tap).
    pub fn layout_problems(&self) -> Vec<String> {
        let script = r#"
            const problems = [];
            const de = document.documentElement;
            if (de.scrollWidth > de.clientWidth + 1) {
              problems.push(`the page scrolls sideways: ${de.scrollWidth} px wide in a ${de.clientWidth} px window`);
            }
            for (const el of document.querySelectorAll('button, input, select, textarea, a[href]')) {
              if (el.offsetParent === null) continue;
              let r = el.getBoundingClientRect();
              if (el.type === 'checkbox' || el.type === 'radio') {
                const label = el.closest('label');
                if (label) r = label.getBoundingClientRect();
              }
              if (r.height < 47.5 || r.width < 47.5) {
                const name = el.dataset.testid || `${el.tagName.toLowerCase()} "${(el.textContent || el.value || '').trim().slice(0, 30)}"`;
                problems.push(`${name} is ${Math.round(r.width)}x${Math.round(r.height)} px, under the 48 px touch target`);
              }
            }
            return problems;
        "#;
        self.rt
            .block_on(self.client().execute(script, vec![]))
            .ok()
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default()
    }

    /// axe-core's serious and critical findings on the page as it stands (the npm package the
    /// UI's `npm ci` installs), each with the elements it found them on.
    pub fn accessibility_problems(&self) -> Vec<String> {
        let axe =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/node_modules/axe-core/axe.min.js");
        let source = std::fs::read_to_string(&axe)
            .unwrap_or_else(|e| panic!("{}: {e} (run `npm ci` in ui/)", axe.display()));
        if let Err(err) = self.rt.block_on(self.client().execute(&source, vec![])) {
            self.fail(&format!("axe-core did not load: {err}"));
        }
        let run = r#"
            const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] }).then((r) => done(
              r.violations
                .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                .map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(', ')}`)
            ), (e) => done([`axe-core failed: ${e}`]));
        "#;
        match self.rt.block_on(self.client().execute_async(run, vec![])) {
            Ok(v) => serde_json::from_value(v)
                .unwrap_or_else(|e| vec![format!("axe-core's answer was not a list: {e}")]),
            Err(err) => vec![format!("axe-core did not run: {err}")],
        }
    }

    /// Saves a screenshot of the app window as `<name>.png`, after checking the screen: its
    /// accessibility (axe-core, [`accessibility_problems`](Self::accessibility_problems)) and,
    /// on the tablet, its layout ([`layout_problems`](Self::layout_problems)). Every screen a
    /// test shows is checked.
    pub fn screenshot(&self, name: &str) {
        let problems = self.layout_problems();
        if self.touch && !problems.is_empty() {
            self.fail(&format!(
                "the {name} screen's layout: {}",
                problems.join("; ")
            ));
        }
        let problems = self.accessibility_problems();
        if !problems.is_empty() {
            self.fail(&format!(
                "the {name} screen's accessibility: {}",
                problems.join("; ")
            ));
        }
        // WebKit takes the snapshot at its next rendering update, which an idle page may not
        // have for minutes: an invisible style change asks for one.
        let nudge = "const b = document.body.style; b.boxShadow = b.boxShadow === '' ? 'inset 0 0 0 1px rgba(0, 0, 0, 0.01)' : ''; return 1;";
        let _ = self.rt.block_on(self.client().execute(nudge, vec![]));
        std::thread::sleep(Duration::from_millis(100));
        let png = self.rt.block_on(self.client().screenshot()).unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }
}

impl Drop for TabletApp {
    fn drop(&mut self) {
        if let Some(c) = self.client.take() {
            let _ = self.rt.block_on(c.close());
        }
        // tauri-driver leaves WebKitWebDriver running when killed alone: end the whole group.
        // (Not with the `kill` program: procps-ng 4.0.2 signals every process for `-PGID`.)
        if let Ok(pid) = i32::try_from(self.driver.id()) {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
