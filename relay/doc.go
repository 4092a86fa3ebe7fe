// Package relay is wasmgw's gateway side of the relay connector contract
// (NousResearch/hermes-agent gateway/relay, contract v1): the gateway dials
// OUT to a connector service over a WebSocket, so it needs no inbound
// port, and the connector fronts the chat platforms (Discord, Telegram,
// Slack, ...) for it.
//
// The package holds what an embedder needs:
//
//   - the configuration ([Config], [LoadConfig], [ParseConfig]): host
//     settings from the gateway's own environment first (the Env* names),
//     then the gateway: section of its config file; credentials are
//     [Secret] values that never print;
//   - enrollment and boot-time self-provisioning ([Enroll],
//     [WriteCredentials], [Provision]);
//   - the gateway that routes inbound messages to profiles and answers
//     them ([Gateway], [NewGateway], [GatewayStats]);
//   - the connector client underneath it ([Client]): hello per fronted
//     identity, handshake, outbound/result correlation, interrupts, going
//     idle, keepalive, reconnect with capped jittered backoff and the 4401
//     (unauthorized/revoked) rules; it hands each inbound [Event] to a
//     [Handler], and reports its [State];
//   - the session key of an event ([SessionKey]).
//
// The wire protocol (frames, the capability descriptor, text splitting)
// lives in relay/internal/wire and the upgrade token in
// relay/internal/token. Package relay/relaytest provides an in-process
// connector for tests.
//
// The contract, the configuration table and the places where wasmgw is
// stricter than the reference are described in docs/relay.md.
package relay
