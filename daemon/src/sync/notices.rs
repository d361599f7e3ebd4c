//! What TikTok tells about a shop's authorization (webhooks 6 and 7), put where the merchant
//! sees it: the connection's state and detail, and the event feed.

use super::Engine;
use super::connections::authorize_command;
use crate::store::{self, ConnectionFacts};
use feedbridge_common::{ConnectionState, EventKind};

/// `YYYY-MM-DD` (UTC) of a Unix time.
fn utc_date(at: i64) -> String {
    let mut stamp = feedbridge_common::timestamps::rfc3339_of_unix(at.max(0));
    stamp.truncate(10);
    stamp
}

/// The warning shown on a connection whose authorization ends at `expires_at`.
pub fn expiry_warning(shop: &str, expires_at: i64) -> String {
    format!(
        "TikTok's authorization of shop {shop} ends on {} (UTC); run `{}` before then so syncing does not stop",
        utc_date(expires_at),
        authorize_command(shop)
    )
}

/// TikTok warned that the shop's authorization ends at `expires_at`: a working connection
/// shows the warning as its detail (one event per new date); otherwise the warning is an
/// event beside the state it is in.
pub async fn authorization_expiring(
    engine: &Engine,
    connection: i64,
    expires_at: i64,
) -> Result<(), store::StoreError> {
    let Some((org, shop)) = engine.shop(connection) else {
        return Ok(());
    };
    let warning = expiry_warning(&shop.name, expires_at);
    let (org, subject) = (org.name.clone(), shop.name.clone());
    engine
        .store
        .call(
            move |tx| match store::connection(tx, connection)?.map(|c| c.state) {
                Some(ConnectionState::Connected) => store::set_connection_state(
                    tx,
                    connection,
                    ConnectionState::Connected,
                    Some(&warning),
                    &ConnectionFacts::default(),
                ),
                _ => store::append_event(
                    tx,
                    EventKind::ConnectionChanged,
                    Some(&org),
                    &subject,
                    &warning,
                ),
            },
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warning_names_the_date_and_the_fix() {
        assert_eq!(
            expiry_warning("acme-us", 1_799_020_800),
            "TikTok's authorization of shop acme-us ends on 2027-01-04 (UTC); run `feedbridge authorize acme-us` before then so syncing does not stop"
        );
    }
}
