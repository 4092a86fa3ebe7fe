package wire

import "github.com/coder/websocket"

// CloseUnauthorized is the close code a connector uses to reject or revoke a
// gateway's upgrade credential.
const CloseUnauthorized websocket.StatusCode = 4401

// CloseReasonExpired is the close reason a connector attaches to a 4401 when
// the upgrade token merely expired: never a revocation.
const CloseReasonExpired = "expired"
