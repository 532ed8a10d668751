//! The one error type of the app's commands. It reaches the UI as `{kind, message}`: the kind
//! is stable for the UI to branch on, the message is what the operator reads.

use aisle_device::DeviceError;
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
        let mut st = s.serialize_struct("CommandError", 2)?;
        st.serialize_field("kind", self.kind())?;
        st.serialize_field("message", &self.to_string())?;
        st.end()
    }
}
