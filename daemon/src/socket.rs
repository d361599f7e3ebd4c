//! The console's Unix socket: private (or shared with one group), never stolen from a live
//! daemon, reclaimed from a dead one, and each connection's peer checked by its credentials.

use anyhow::{Context, bail};
use feedbridge_common::rpc::{ConsoleRequest, ConsoleResponse};
use futures::{Stream, StreamExt};
use nix::unistd::{Gid, Group, Uid, User};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use tarpc::serde_transport::Transport;
use tarpc::serde_transport::unix::Incoming;
use tarpc::tokio_serde::formats::Json;
use tarpc::{ClientMessage, Response};
use tokio::net::UnixStream;
use tracing::{info, warn};

type Codec = Json<ClientMessage<ConsoleRequest>, Response<ConsoleResponse>>;
pub type Listener =
    Incoming<ClientMessage<ConsoleRequest>, Response<ConsoleResponse>, Codec, fn() -> Codec>;
pub type Connection =
    Transport<UnixStream, ClientMessage<ConsoleRequest>, Response<ConsoleResponse>, Codec>;

/// Who may use the console: feedbridged's own user, root, and the members of the socket's
/// group when one is set (`[daemon] socket_group`, e.g. the packaged service's `feedbridge`).
#[derive(Clone, Debug)]
pub struct Access {
    owner: Uid,
    group: Option<SocketGroup>,
}

#[derive(Clone, Debug)]
pub struct SocketGroup {
    name: String,
    gid: Gid,
    members: Vec<String>,
}

impl Access {
    /// The daemon's user only, or also the named group (which must exist).
    pub fn new(group: Option<&str>) -> anyhow::Result<Self> {
        let group = match group {
            None => None,
            Some(name) => {
                let found = Group::from_name(name)
                    .with_context(|| format!("Failed to look up group {name}"))?;
                let Some(found) = found else {
                    bail!(
                        "daemon.socket_group: no group \"{name}\" on this system; create it (the package's sysusers file does: systemd-sysusers) or leave the key out for a socket only feedbridged's user can use"
                    );
                };
                Some(SocketGroup {
                    name: name.to_owned(),
                    gid: found.gid,
                    members: found.mem,
                })
            }
        };
        Ok(Self {
            owner: Uid::effective(),
            group,
        })
    }

    fn mode(&self) -> u32 {
        if self.group.is_some() { 0o660 } else { 0o600 }
    }

    /// Why a peer is refused, or `None` when it may talk to the daemon. The file mode already
    /// keeps others out; this holds even if someone loosens it.
    fn refusal(&self, uid: u32, gid: u32, user_name: Option<&str>) -> Option<String> {
        if uid == self.owner.as_raw() || uid == 0 {
            return None;
        }
        match &self.group {
            Some(group)
                if gid == group.gid.as_raw()
                    || user_name.is_some_and(|name| group.members.iter().any(|m| m == name)) =>
            {
                None
            }
            Some(group) => Some(format!(
                "neither feedbridged's user (uid {}) nor a member of group {}",
                self.owner, group.name
            )),
            None => Some(format!(
                "not feedbridged's user (uid {}); to share the console, set daemon.socket_group",
                self.owner
            )),
        }
    }

    /// Whether the peer of `stream` may use the console; a refusal is logged.
    fn admits(&self, stream: &UnixStream) -> bool {
        let credentials = match stream.peer_cred() {
            Ok(credentials) => credentials,
            Err(error) => {
                warn!(%error, "Refused a console connection: its peer credentials are unreadable.");
                return false;
            }
        };
        let (uid, gid) = (credentials.uid(), credentials.gid());
        let user = User::from_uid(Uid::from_raw(uid)).ok().flatten();
        let user_name = user.as_ref().map(|user| user.name.as_str());
        match self.refusal(uid, gid, user_name) {
            None => true,
            Some(reason) => {
                warn!(
                    uid,
                    gid,
                    pid = credentials.pid().unwrap_or_default(),
                    user = user_name.unwrap_or("?"),
                    "Refused a console connection: {reason}."
                );
                false
            }
        }
    }
}

/// Bind the socket: mode 0600, or 0660 owned by the access group (its directory 0700 when
/// created here; an existing one, like systemd's RuntimeDirectory, is left as it is).
pub async fn bind(path: &Path, access: &Access) -> anyhow::Result<Listener> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        crate::settings::ensure_private_dir(parent)?;
    }
    if path.exists() {
        if tokio::net::UnixStream::connect(path).await.is_ok() {
            bail!(
                "another feedbridged is already running on {} — stop it first (systemctl stop feedbridge), or give this one its own --socket",
                path.display()
            );
        }
        info!(socket = %path.display(), "Replacing a socket nobody answers on (left by a daemon that is gone, or by this one reloading).");
        std::fs::remove_file(path)
            .with_context(|| format!("Failed to remove the stale socket {}", path.display()))?;
    }
    let codec: fn() -> Codec = Json::default;
    let listener = tarpc::serde_transport::unix::listen(path, codec)
        .await
        .with_context(|| format!("Failed to listen on {}", path.display()))?;
    // Under the packaged unit (Group=) the socket is born with its group: no chown needed,
    // so the unit can deny the privileged system calls.
    if let Some(group) = access
        .group
        .as_ref()
        .filter(|group| !has_group(path, group.gid))
    {
        nix::unistd::chown(path, None, Some(group.gid)).with_context(|| {
            format!(
                "Failed to give {} to group {}: feedbridged's user must be a member of it",
                path.display(),
                group.name
            )
        })?;
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(access.mode()))
        .with_context(|| format!("Failed to set the mode of {}", path.display()))?;
    Ok(listener)
}

fn has_group(path: &Path, gid: Gid) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).is_ok_and(|meta| meta.gid() == gid.as_raw())
}

/// The listener's connections whose peers `access` admits; the others are closed at once.
pub fn admitted(
    listener: Listener,
    access: Access,
) -> impl Stream<Item = std::io::Result<Connection>> {
    listener.filter(move |connection| {
        let keep = match connection {
            Ok(transport) => access.admits(transport.get_ref()),
            Err(_) => true,
        };
        std::future::ready(keep)
    })
}

pub fn remove(path: &Path) {
    if let Err(error) = std::fs::remove_file(path)
        && error.kind() != std::io::ErrorKind::NotFound
    {
        warn!(socket = %path.display(), %error, "Could not remove the socket.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared_with(members: &[&str]) -> Access {
        Access {
            owner: Uid::from_raw(990),
            group: Some(SocketGroup {
                name: "feedbridge".into(),
                gid: Gid::from_raw(990),
                members: members.iter().map(|m| (*m).to_owned()).collect(),
            }),
        }
    }

    #[test]
    fn the_owner_and_root_are_always_admitted() {
        let private = Access {
            owner: Uid::from_raw(990),
            group: None,
        };
        assert_eq!(private.refusal(990, 5, None), None);
        assert_eq!(private.refusal(0, 0, Some("root")), None);
        let refusal = private.refusal(1000, 1000, Some("ana")).unwrap();
        assert!(refusal.contains("socket_group"), "{refusal}");
    }

    #[test]
    fn group_members_by_primary_or_listed_group_are_admitted_and_others_named_why_not() {
        let shared = shared_with(&["ana"]);
        assert_eq!(shared.refusal(1000, 1000, Some("ana")), None);
        assert_eq!(shared.refusal(1001, 990, Some("ben")), None);
        let refusal = shared.refusal(1002, 1002, Some("eve")).unwrap();
        assert!(refusal.contains("member of group feedbridge"), "{refusal}");
        assert_eq!(shared.mode(), 0o660);
    }

    #[tokio::test]
    async fn a_shared_socket_is_group_readable_and_a_private_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let own_group = Group::from_gid(Gid::effective()).unwrap().unwrap();
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;

        let private = dir.path().join("private.sock");
        let _private = bind(&private, &Access::new(None).unwrap()).await.unwrap();
        assert_eq!(mode(&private), 0o600);

        let shared = dir.path().join("shared.sock");
        let access = Access::new(Some(&own_group.name)).unwrap();
        let listener = bind(&shared, &access).await.unwrap();
        assert_eq!(mode(&shared), 0o660);

        // We are the owner, so the peer check lets us in over a real connection.
        let mut admitted = Box::pin(admitted(listener, access));
        let _client = UnixStream::connect(&shared).await.unwrap();
        assert!(admitted.next().await.unwrap().is_ok());
    }

    #[test]
    fn an_unknown_group_is_refused_with_how_to_fix_it() {
        let error = Access::new(Some("no-such-group-feedbridge"))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("no group \"no-such-group-feedbridge\""),
            "{error}"
        );
    }
}
