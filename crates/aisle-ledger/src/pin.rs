//! Operator PINs: argon2 hashes only. Hashed on the server (or in a demo store), verified on the
//! device so sign-in works offline, and on the server for a supervisor's web sign-in.

use crate::{LedgerError, Result};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// Hashes a PIN of 4 to 8 digits as an argon2 PHC string.
pub fn hash_pin(pin: &str) -> Result<String> {
    if !(4..=8).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(LedgerError::Invalid("a PIN is 4 to 8 digits".into()));
    }
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|e| LedgerError::Invalid(format!("no randomness for a salt: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| LedgerError::Invalid(e.to_string()))?;
    Ok(argon2::Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map_err(|e| LedgerError::Invalid(e.to_string()))?
        .to_string())
}

/// Whether `pin` matches `hash` (constant-time comparison inside argon2).
pub fn verify_pin(pin: &str, hash: &str) -> Result<bool> {
    let parsed = PasswordHash::new(hash)
        .map_err(|e| LedgerError::Decode(format!("stored PIN hash: {e}")))?;
    Ok(argon2::Argon2::default()
        .verify_password(pin.as_bytes(), &parsed)
        .is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_hash_with_salt_and_verify() {
        let a = hash_pin("1234").unwrap();
        let b = hash_pin("1234").unwrap();
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$argon2") && !a.contains("1234"));
        assert!(verify_pin("1234", &a).unwrap());
        assert!(!verify_pin("1235", &a).unwrap());
        assert!(hash_pin("12a4").is_err());
        assert!(hash_pin("123").is_err());
    }
}
