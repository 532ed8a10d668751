//! The one error type of the app's commands. It reaches the UI as `{kind, message, said}`: the
//! kind is stable for the UI to branch on, the message is what the operator reads in English, and
//! `said` is the same message as a catalog key with its values, for the UI to say in the
//! operator's language (see `aisle_domain::said`).

use aisle_device::DeviceError;
use aisle_domain::{Said, said};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Device(#[from] DeviceError),
    #[error("nobody is signed in; scan your badge and enter your PIN")]
    NotSignedIn,
    #[error("the device store is unavailable after an earlier failure; restart the app")]
    Poisoned,
}

impl CommandError {
    /// The message as a catalog key with its values.
    pub fn said(&self) -> Said {
        match self {
            Self::Device(e) => e.said(),
            Self::NotSignedIn => said!(
                "app.not_signed_in",
                "nobody is signed in; scan your badge and enter your PIN"
            ),
            Self::Poisoned => said!(
                "app.unavailable",
                "the device store is unavailable after an earlier failure; restart the app"
            ),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::Device(e) => e.kind(),
            Self::NotSignedIn => "not_signed_in",
            Self::Poisoned => "unavailable",
        }
    }
}

impl Serialize for CommandError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("CommandError", 3)?;
        st.serialize_field("kind", self.kind())?;
        st.serialize_field("message", &self.to_string())?;
        st.serialize_field("said", &self.said())?;
        st.end()
    }
}
