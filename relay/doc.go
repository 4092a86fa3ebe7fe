// Package relay is wasmgw's gateway side of the relay connector contract
// (NousResearch/hermes-agent gateway/relay, contract v1): the gateway dials
// OUT to a connector service over a WebSocket, so it needs no inbound
// port, and the connector fronts the chat platforms (Discord, Telegram,
// Slack, ...) for it.
//
// The package holds:
//
//   - the configuration ([Config], [LoadConfig], [ParseConfig]): host
//     settings from the gateway's own environment first, then the gateway:
//     section of its config file; credentials are [Secret] values that
//     never print;
//   - the upgrade token ([MintToken], [VerifyToken]), byte-compatible with
//     the connector;
//   - the wire: newline-delimited JSON frames ([EncodeFrame], [DecodeFrame],
//     [LineBuffer]), the inbound [Event] and its session key
//     ([SessionKeyFor]), outbound [Action]s and the capability [Descriptor];
//   - the connector client ([Client]): hello per fronted identity,
//     handshake, outbound/result correlation, interrupts, going idle,
//     keepalive, reconnect with capped jittered backoff and the 4401
//     (unauthorized/revoked) rules;
//   - enrollment and boot-time self-provisioning ([Enroll],
//     [WriteCredentials], [Provision]);
//   - the gateway that routes inbound messages to profiles ([Gateway]).
//
// Package relay/relaytest provides an in-process connector for tests.
//
// The contract, the configuration table and the places where wasmgw is
// stricter than the reference are described in docs/relay.md.
package relay
