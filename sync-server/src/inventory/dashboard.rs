//! The supervisor's dashboard: how a warehouse's day is going, in a few series a chart can draw.
//! Sync activity (entries received per hour, from how many devices), exceptions raised per day and
//! how many of them are still open, and picks per hour per operator (by the device's clock: when
//! the work happened, not when it synced; applied picks only: a held entry may carry text that
//! PostgreSQL's JSON functions refuse, and it moved no stock). Devices behind and stock value come from their own
//! read models (`devices`, `valuation`); the API puts them together.

use super::*;

/// Hours of sync activity and picks the dashboard shows, and days of exceptions.
pub const DASHBOARD_HOURS: i64 = 24;
pub const DASHBOARD_DAYS: u32 = 14;

/// Entries devices pushed in one hour (UTC, `2026-12-03T09`), and how many devices sent them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncHour {
    pub hour: String,
    pub entries: i64,
    pub devices: i64,
}

/// Exceptions raised on one day, and how many of those are still open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExceptionDay {
    pub day: String,
    pub raised: i64,
    pub open: i64,
}

/// One operator's picks in one hour (UTC, by the device's clock).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PickHour {
    pub hour: String,
    pub badge: String,
    /// The operator's name; the badge when the server does not know it.
    pub name: String,
    pub lines: i64,
    pub units: i64,
}

/// A warehouse's activity series, every hour or day of the window present (zeros included) so
/// a chart's axis is the window, not the days something happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Activity {
    pub warehouse: String,
    pub syncs: Vec<SyncHour>,
    pub exceptions: Vec<ExceptionDay>,
    /// Only hours and operators with picks, oldest hour first.
    pub picks: Vec<PickHour>,
}

/// The last `DASHBOARD_HOURS` hours up to and including the hour of `now`, oldest first.
fn hours(now: chrono::DateTime<Utc>) -> Vec<String> {
    (0..DASHBOARD_HOURS)
        .rev()
        .map(|back| {
            (now - chrono::Duration::hours(back))
                .format("%Y-%m-%dT%H")
                .to_string()
        })
        .collect()
}

pub(crate) fn activity(
    conn: &dyn Db,
    warehouse: &str,
    now: chrono::DateTime<Utc>,
) -> StorageResult<Activity> {
    let wh = warehouse_id(conn, warehouse)?;
    let d = conn.dialect();
    let hours = hours(now);
    let first_hour = hours.first().cloned().unwrap_or_default();
    let received: HashMap<String, (i64, i64)> = conn
        .rows(
            "SELECT substr(received_at, 1, 13), COUNT(*), COUNT(DISTINCT device_id)
             FROM ops WHERE warehouse_id = ?1 AND substr(received_at, 1, 13) >= ?2
             GROUP BY substr(received_at, 1, 13)",
            args![wh.as_str(), first_hour.as_str()],
            |r| Ok((r.get::<String>(0)?, (r.get::<i64>(1)?, r.get::<i64>(2)?))),
        )?
        .into_iter()
        .collect();
    let syncs = hours
        .iter()
        .map(|h| {
            let (entries, devices) = received.get(h).copied().unwrap_or((0, 0));
            SyncHour {
                hour: h.clone(),
                entries,
                devices,
            }
        })
        .collect();

    let today = now.date_naive();
    let first_day = today - Days::new(u64::from(DASHBOARD_DAYS - 1));
    let raised: HashMap<String, (i64, i64)> = conn
        .rows(
            "SELECT substr(created_at, 1, 10), COUNT(*),
                    CAST(SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END) AS BIGINT)
             FROM exceptions WHERE warehouse_id = ?1 AND substr(created_at, 1, 10) >= ?2
             GROUP BY substr(created_at, 1, 10)",
            args![wh.as_str(), first_day.to_string()],
            |r| Ok((r.get::<String>(0)?, (r.get::<i64>(1)?, r.get::<i64>(2)?))),
        )?
        .into_iter()
        .collect();
    let exceptions = first_day
        .iter_days()
        .take(DASHBOARD_DAYS as usize)
        .map(|day| {
            let day = day.to_string();
            let (raised, open) = raised.get(&day).copied().unwrap_or((0, 0));
            ExceptionDay { day, raised, open }
        })
        .collect();

    let picks = conn.rows(
        &format!(
            "SELECT substr(o.at, 1, 13), {badge}, COALESCE(MAX(p.name), {badge}), COUNT(*),
                    CAST(SUM({qty}) AS BIGINT)
             FROM ops o LEFT JOIN operators p ON p.badge = {badge}
             WHERE o.op_type = 'pick' AND o.status = 'applied' AND o.warehouse_id = ?1
               AND substr(o.at, 1, 13) >= ?2
             GROUP BY substr(o.at, 1, 13), {badge}
             ORDER BY 1, 2",
            badge = d.json_text("o.entry", &["operator"]),
            qty = d.json_int("o.entry", &["op", "qty"]),
        ),
        args![wh.as_str(), first_hour.as_str()],
        |r| {
            Ok(PickHour {
                hour: r.get(0)?,
                badge: r.get(1)?,
                name: r.get(2)?,
                lines: r.get(3)?,
                units: r.get(4)?,
            })
        },
    )?;
    Ok(Activity {
        warehouse: warehouse.to_string(),
        syncs,
        exceptions,
        picks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_every_hour_up_to_now_oldest_first() {
        let now = "2026-12-03T09:41:00Z".parse().unwrap();
        let h = hours(now);
        assert_eq!(h.len(), DASHBOARD_HOURS as usize);
        assert_eq!(h.first().unwrap(), "2026-12-02T10");
        assert_eq!(h.last().unwrap(), "2026-12-03T09");
    }
}
