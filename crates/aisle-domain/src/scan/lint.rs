//! Content checks ("linters") that the GS1 dictionary names for each component, such as check
//! digits, dates and code lists. Each returns a short reason that the parser wraps with the AI and
//! position.
//!
//! Where a check needs an external code list that changes over time (ISO 3166 countries, ISO 4217
//! currencies, UN/ECE package types) only the shape is checked; that is written down in
//! `docs/scan-input.md` so nobody mistakes it for a full check.

use super::gtin::mod10;

/// Applies the named linter to one component's value.
pub fn apply(linter: &str, v: &str) -> Result<(), String> {
    match linter {
        "csum" => csum(v),
        "csumalpha" => csumalpha(v),
        "gcppos1" => gcp_at(v, 0),
        "gcppos2" => gcp_at(v, 1),
        "yymmd0" => date6(v, true),
        "yymmdd" => date6(v, false),
        "yyyymmdd" => date8(v),
        "hhmi" => hhmi(v),
        "hh" => range(v, 0, 23, "hour"),
        "mi" => range(v, 0, 59, "minute"),
        "ss" => range(v, 0, 59, "second"),
        "yesno" => one_of(v, &["0", "1"], "0 (no) or 1 (yes)"),
        "winding" => one_of(v, &["0", "1", "9"], "0, 1 or 9"),
        "iso5218" => one_of(v, &["0", "1", "2", "9"], "0, 1, 2 or 9 (ISO/IEC 5218)"),
        "zero" => one_of(v, &["0"], "0"),
        "nonzero" => nonzero(v),
        "nozeroprefix" => {
            if v.len() > 1 && v.starts_with('0') {
                Err("must not start with 0".into())
            } else {
                Ok(())
            }
        }
        "hasnondigit" => {
            if v.bytes().all(|b| b.is_ascii_digit()) {
                Err("must contain a non-digit".into())
            } else {
                Ok(())
            }
        }
        "hyphen" => one_of(v, &["-"], "a hyphen"),
        "iso3166" | "iso4217" => digits(v, 3, "a 3-digit ISO code"),
        "iso3166999" => digits(v, 3, "a 3-digit ISO country code or 999"),
        "iso3166alpha2" => {
            if v.len() == 2 && v.bytes().all(|b| b.is_ascii_uppercase()) {
                Ok(())
            } else {
                Err("must be a two-letter ISO country code".into())
            }
        }
        "pcenc" => pcenc(v),
        "latitude" => range(v, 0, 1_800_000_000, "latitude"),
        "longitude" => range(v, 0, 3_600_000_000, "longitude"),
        "mediatype" => match v.parse::<u32>() {
            Ok(1..=10) | Ok(80..=99) => Ok(()),
            _ => Err("is not an AIDC media type (01-10 or 80-99)".into()),
        },
        "importeridx" => {
            if v.len() == 1
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                Ok(())
            } else {
                Err("is not an importer index (one of 0-9, A-Z, a-z, - or _)".into())
            }
        }
        "pieceoftotal" => pieceoftotal(v),
        "posinseqslash" => posinseqslash(v),
        "iban" => iban(v),
        "packagetype" => {
            if v.chars().all(|c| c.is_ascii_alphanumeric()) {
                Ok(())
            } else {
                Err("is not a package type code".into())
            }
        }
        // Coupon structures are only checked for their outer format (digits), not their fields.
        "couponcode" | "couponposoffer" => digits(v, v.len(), "digits"),
        // Unknown linter names come from a newer dictionary: accept rather than refuse valid labels.
        _ => Ok(()),
    }
}

fn csum(v: &str) -> Result<(), String> {
    let n = v.len();
    if n < 2 {
        return Err("is too short to carry a check digit".into());
    }
    match mod10(&v[..n - 1]) {
        Some(expected) if v.as_bytes()[n - 1] == b'0' + expected => Ok(()),
        Some(expected) => Err(format!(
            "has check digit {}, but {expected} is correct",
            v.as_bytes()[n - 1] as char
        )),
        None => Err("must be digits".into()),
    }
}

/// GS1 check character pair over CSET 82 (used by GMN, AI 8013).
fn csumalpha(v: &str) -> Result<(), String> {
    const CSET82: &str =
        "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
    const CSET32: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    const PRIMES: [u32; 97] = [
        2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89,
        97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181,
        191, 193, 197, 199, 211, 223, 227, 229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281,
        283, 293, 307, 311, 313, 317, 331, 337, 347, 349, 353, 359, 367, 373, 379, 383, 389, 397,
        401, 409, 419, 421, 431, 433, 439, 443, 449, 457, 461, 463, 467, 479, 487, 491, 499, 503,
        509,
    ];
    let n = v.len();
    if n < 3 {
        return Err("is too short to carry a check character pair".into());
    }
    if n - 2 > PRIMES.len() {
        return Err("is too long for a check character pair".into());
    }
    let body = &v[..n - 2];
    let mut sum = 0u32;
    for (i, c) in body.chars().rev().enumerate() {
        let pos = CSET82
            .find(c)
            .ok_or_else(|| format!("has {c:?}, not in GS1 character set 82"))?;
        sum += pos as u32 * PRIMES[i];
    }
    let sum = sum % 1021;
    let expected = [
        CSET32[(sum >> 5) as usize] as char,
        CSET32[(sum & 31) as usize] as char,
    ];
    let found: Vec<char> = v[n - 2..].chars().collect();
    if found == expected {
        Ok(())
    } else {
        Err(format!(
            "has check characters {}, but {} are correct",
            found.iter().collect::<String>(),
            expected.iter().collect::<String>()
        ))
    }
}

/// A GS1 Company Prefix starts at `pos`: at least four digits there (the shortest prefix).
fn gcp_at(v: &str, pos: usize) -> Result<(), String> {
    let ok = v.len() >= pos + 4 && v.as_bytes()[pos..pos + 4].iter().all(u8::is_ascii_digit);
    if ok {
        Ok(())
    } else {
        Err("does not start with a GS1 Company Prefix".into())
    }
}

fn two(v: &str, at: usize) -> Option<u32> {
    v.get(at..at + 2)?.parse().ok()
}

pub(crate) fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

fn check_ymd(
    year: i32,
    month: Option<u32>,
    day: Option<u32>,
    day_zero_ok: bool,
) -> Result<(), String> {
    let month = month
        .filter(|m| (1..=12).contains(m))
        .ok_or("has an invalid month")?;
    let day = day.ok_or("has an invalid day")?;
    if day == 0 {
        return if day_zero_ok {
            Ok(())
        } else {
            Err("has day 00, which this AI does not allow".into())
        };
    }
    if day > days_in_month(year, month) {
        return Err(format!(
            "has day {day:02}, but month {month:02} has {} days",
            days_in_month(year, month)
        ));
    }
    Ok(())
}

fn date6(v: &str, day_zero_ok: bool) -> Result<(), String> {
    let yy = two(v, 0).ok_or("is not a YYMMDD date")?;
    // Leap years only matter for 29 February; 2000-based years decide it for any date scanned this century.
    check_ymd(2000 + yy as i32, two(v, 2), two(v, 4), day_zero_ok)
}

fn date8(v: &str) -> Result<(), String> {
    let year: i32 = v
        .get(0..4)
        .and_then(|y| y.parse().ok())
        .ok_or("is not a YYYYMMDD date")?;
    check_ymd(year, two(v, 4), two(v, 6), false)
}

fn hhmi(v: &str) -> Result<(), String> {
    match (two(v, 0), two(v, 2)) {
        (Some(h), Some(m)) if h <= 23 && m <= 59 => Ok(()),
        _ => Err("is not a time HHMM".into()),
    }
}

fn range(v: &str, lo: u64, hi: u64, what: &str) -> Result<(), String> {
    match v.parse::<u64>() {
        Ok(n) if (lo..=hi).contains(&n) => Ok(()),
        _ => Err(format!("is not a valid {what}")),
    }
}

fn one_of(v: &str, allowed: &[&str], desc: &str) -> Result<(), String> {
    if allowed.contains(&v) {
        Ok(())
    } else {
        Err(format!("must be {desc}"))
    }
}

fn digits(v: &str, n: usize, desc: &str) -> Result<(), String> {
    if v.len() == n && v.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!("must be {desc}"))
    }
}

fn nonzero(v: &str) -> Result<(), String> {
    if v.bytes().all(|b| b == b'0') {
        Err("must not be zero".into())
    } else {
        Ok(())
    }
}

fn pcenc(v: &str) -> Result<(), String> {
    let b = v.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let ok =
                b.len() >= i + 3 && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit();
            if !ok {
                return Err(format!("has a bad percent-escape at character {}", i + 1));
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    Ok(())
}

fn pieceoftotal(v: &str) -> Result<(), String> {
    let half = v.len() / 2;
    if !v.len().is_multiple_of(2) || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err("is not a piece/total pair".into());
    }
    let (piece, total) = (
        v[..half].parse::<u64>().unwrap_or(0),
        v[half..].parse::<u64>().unwrap_or(0),
    );
    if piece == 0 || total == 0 || piece > total {
        return Err(format!("says piece {piece} of {total}"));
    }
    Ok(())
}

fn posinseqslash(v: &str) -> Result<(), String> {
    let Some((a, b)) = v.split_once('/') else {
        return Err("is not position/count".into());
    };
    match (a.parse::<u32>(), b.parse::<u32>()) {
        (Ok(p), Ok(n)) if p >= 1 && p <= n => Ok(()),
        _ => Err("is not a valid position/count".into()),
    }
}

fn iban(v: &str) -> Result<(), String> {
    if v.len() < 5
        || !v
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
    {
        return Err("is not an IBAN".into());
    }
    let rearranged = format!("{}{}", &v[4..], &v[..4]);
    let mut rem = 0u32;
    for c in rearranged.chars() {
        let val = c.to_digit(36).unwrap_or(0);
        rem = if val >= 10 {
            (rem * 100 + val) % 97
        } else {
            (rem * 10 + val) % 97
        };
    }
    if rem == 1 {
        Ok(())
    } else {
        Err("fails the IBAN check".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_follow_the_calendar_and_the_day_zero_rule() {
        assert!(apply("yymmd0", "251200").is_ok());
        assert!(apply("yymmdd", "251200").unwrap_err().contains("day 00"));
        assert!(apply("yymmdd", "240229").is_ok());
        assert!(apply("yymmdd", "250229").unwrap_err().contains("28 days"));
        assert!(apply("yymmdd", "251301").unwrap_err().contains("month"));
        assert!(apply("yyyymmdd", "19000229").is_err());
        assert!(apply("yyyymmdd", "20000229").is_ok());
        assert!(apply("hhmi", "2359").is_ok());
        assert!(apply("hhmi", "2460").is_err());
    }

    #[test]
    fn check_digits_and_pairs() {
        assert!(apply("csum", "09506000134352").is_ok());
        assert!(
            apply("csum", "09506000134353")
                .unwrap_err()
                .contains("2 is correct")
        );
        // GMN example from the GS1 General Specifications: 1987654Ad4X4bL5ttr2310c2K.
        assert!(apply("csumalpha", "1987654Ad4X4bL5ttr2310c2K").is_ok());
        assert!(apply("csumalpha", "1987654Ad4X4bL5ttr2310c2L").is_err());
        assert!(apply("iban", "GB82WEST12345698765432").is_ok());
        assert!(apply("iban", "GB82WEST12345698765433").is_err());
    }

    #[test]
    fn small_value_rules() {
        assert!(apply("pcenc", "A%20B").is_ok());
        assert!(apply("pcenc", "A%2").is_err());
        assert!(apply("pieceoftotal", "0102").is_ok());
        assert!(apply("pieceoftotal", "0301").is_err());
        assert!(apply("posinseqslash", "1/2").is_ok());
        assert!(apply("posinseqslash", "3/2").is_err());
        assert!(apply("nonzero", "000").is_err());
        assert!(apply("yesno", "2").is_err());
        assert!(apply("latitude", "1800000001").is_err());
        assert!(apply("gcppos2", "09506000134352").is_ok());
        assert!(apply("gcppos1", "AB12345").is_err());
        assert!(apply("a-linter-from-the-future", "x").is_ok());
    }
}
