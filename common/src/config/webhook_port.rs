//! The `[daemon]` keys that bound the webhook port (timeouts and connection caps).

use super::DaemonSettings;

impl DaemonSettings {
    /// The webhook port's timeouts and caps, or the key that is out of range and why.
    pub(super) fn check_webhook_limits(&self) -> Result<(), (&'static str, String)> {
        for (key, value, most) in [
            (
                "webhook_header_timeout_secs",
                self.webhook_header_timeout_secs,
                300,
            ),
            (
                "webhook_body_timeout_secs",
                self.webhook_body_timeout_secs,
                3600,
            ),
            (
                "webhook_idle_timeout_secs",
                self.webhook_idle_timeout_secs,
                3600,
            ),
        ] {
            if !(1..=most).contains(&value) {
                return Err((key, format!("must be between 1 and {most} seconds")));
            }
        }
        // More connections than systemd's LimitNOFILE could never be held.
        if !(1..=65_536).contains(&self.webhook_max_connections) {
            let message = "must be between 1 and 65536".to_owned();
            return Err(("webhook_max_connections", message));
        }
        if !(1..=self.webhook_max_connections).contains(&self.webhook_max_connections_per_peer) {
            let message = format!(
                "must be between 1 and daemon.webhook_max_connections ({})",
                self.webhook_max_connections
            );
            return Err(("webhook_max_connections_per_peer", message));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::parse;

    #[test]
    fn webhook_limits_default_and_are_checked() {
        let daemon = parse("").unwrap().daemon;
        assert_eq!(
            (
                daemon.webhook_header_timeout_secs,
                daemon.webhook_body_timeout_secs,
                daemon.webhook_idle_timeout_secs,
                daemon.webhook_max_connections,
                daemon.webhook_max_connections_per_peer,
            ),
            (10, 30, 60, 1024, 256)
        );
        let daemon = parse("[daemon]\nwebhook_header_timeout_secs = 2\nwebhook_max_connections = 8\nwebhook_max_connections_per_peer = 8\n")
            .unwrap()
            .daemon;
        assert_eq!(daemon.webhook_header_timeout_secs, 2);
        assert_eq!(daemon.webhook_max_connections_per_peer, 8);
        for (line, key, says) in [
            (
                "webhook_header_timeout_secs = 0",
                "daemon.webhook_header_timeout_secs",
                "between 1 and 300 seconds",
            ),
            (
                "webhook_body_timeout_secs = 7200",
                "daemon.webhook_body_timeout_secs",
                "between 1 and 3600 seconds",
            ),
            (
                "webhook_idle_timeout_secs = 0",
                "daemon.webhook_idle_timeout_secs",
                "between 1 and 3600 seconds",
            ),
            (
                "webhook_max_connections = 0",
                "daemon.webhook_max_connections",
                "between 1 and 65536",
            ),
            (
                "webhook_max_connections_per_peer = 2000",
                "daemon.webhook_max_connections_per_peer",
                "daemon.webhook_max_connections (1024)",
            ),
        ] {
            let error = parse(&format!("[daemon]\n{line}\n")).unwrap_err();
            assert_eq!(error.key, key, "{line}");
            assert!(error.message.contains(says), "{line}: {error}");
        }
        let error = parse("[daemon]\nwebhook_max_connections = -1\n").unwrap_err();
        assert_eq!(error.key, "daemon.webhook_max_connections");
    }
}
