/**
 * What the real wasm client (`@nymproject/nym-client-wasm-node@1.4.1`, nym commit b4046a89) sent
 * and accepted over its gateway WebSockets, extracted verbatim from the harness runs in
 * `/work/notes/harness/logs/` (`{client,network}-loopback.log`: fake gateway echoing the client's
 * protocol version; `*-proto5.log`: fake gateway answering 5). See `/work/notes/wasm-client.md` §3.
 *
 * Each run is one fresh client: WS#1 (supportedProtocol, three handshake payloads), WS#2
 * (supportedProtocol, authenticateV2). `sharedKeyHex` is the key the fake gateway derived and the
 * client accepted. Where one log truncated a line the other log's copy is used; the proto5
 * gateway material lost only its closing brace to truncation, which is restored here.
 *
 * Test data only.
 *
 * @module
 */

/** One recorded client session. */
export interface WasmClientTranscript {
  readonly name: string;
  /** The fake gateway's `--gw-proto` setting. */
  readonly fakeGatewayProtocol: string;
  readonly sharedKeyHex: string;
  readonly clientAddress: string;
  readonly clientEphemeralHex: string;
  readonly saltHex: string;
  /** Text frames client → gateway, in order. */
  readonly clientToGateway: readonly string[];
  /** Text frames gateway → client, in order (the binary pushes are not included). */
  readonly gatewayToClient: readonly string[];
  readonly firstFrameLength: number;
  readonly firstFrameKind: number;
  readonly firstFrameNonceHex: string;
  readonly firstFramePlaintextLength: number;
  /** The first 48 decrypted bytes of the first binary request. */
  readonly firstFramePlaintextHeadHex: string;
  /** [plaintext, frame] lengths of the gateway's PushedMixMessage frames the client accepted. */
  readonly pushedFrameLengths: readonly (readonly [number, number])[];
}

/** The fake gateway's identity (`sha256("fake-gateway-identity")` as the Ed25519 seed). */
export const FAKE_GATEWAY_IDENTITY = "CV2oQKsG5RqNeP6ZvuXgKx5LxHKCGvNRij5hgVuvGHRN";

/** The recorded runs. */
export const WASM_CLIENT_TRANSCRIPTS: readonly WasmClientTranscript[] = [
  {
    name: "echo",
    fakeGatewayProtocol: "echo",
    sharedKeyHex: "afcdcb0078d6d551d5ee6b6a0d59262f83fb20c65d36fb1e48630570d6cbf84b",
    clientAddress: "CZ4VGbnvBJimFXMXkWSatQCwpfiwptoc1WaU55NNJZ8E",
    clientEphemeralHex: "cf30fc2ceca913514ea4539682bfd90b0c51ae0f4f6a214e90c30bfb27414809",
    saltHex: "c671e8ff476c5e347cb9d8269efe0087",
    clientToGateway: [
      '{"type":"supportedProtocol"}',
      '{"type":"handshakePayload","protocol_version":3,"data":[171,167,21,213,168,100,220,124,194,15,240,181,237,224,159,209,230,17,168,63,204,54,80,247,207,186,237,139,120,235,151,59,207,48,252,44,236,169,19,81,78,164,83,150,130,191,217,11,12,81,174,15,79,106,33,78,144,195,11,251,39,65,72,9,198,113,232,255,71,108,94,52,124,185,216,38,158,254,0,135]}',
      '{"type":"handshakePayload","protocol_version":3,"data":[170,14,188,134,118,14,122,155,203,56,129,54,103,216,175,152,212,173,238,74,245,216,37,254,201,202,220,107,232,96,15,101,184,215,116,179,24,48,161,174,7,94,49,122,205,172,10,43,106,250,112,225,188,79,158,207,143,94,192,247,118,136,106,101,122,239,80,184,155,141,144,228,155,13,187,171,65,159,249,107,232,64,42,219,226,27,245,119,248,17,141,6]}',
      '{"type":"supportedProtocol"}',
      '{"type":"authenticateV2","protocolVersion":4,"clientIdentity":[171,167,21,213,168,100,220,124,194,15,240,181,237,224,159,209,230,17,168,63,204,54,80,247,207,186,237,139,120,235,151,59],"addressCiphertext":"RS9KjRUuwMv3KeQQ7tp2mBF7mouUINJjucHPXXgYWat4qT3T5CE/bqzqinm5zCK6","nonce":"XiDrhuoKgl1xGN0O","requestUnixTimestamp":1795300990,"requestSignature":[27,155,148,12,206,96,213,6,74,226,240,218,40,136,147,144,49,146,72,59,204,173,81,216,90,11,255,20,105,227,86,32,108,93,15,76,58,102,150,107,215,91,177,162,44,189,55,33,236,83,16,177,43,224,125,18,141,19,115,73,197,0,212,11]}',
    ],
    gatewayToClient: [
      '{"type":"supportedProtocol","version":6}',
      '{"type":"handshakePayload","protocol_version":3,"data":[128,228,237,188,70,182,94,255,76,148,87,148,20,238,206,79,119,144,169,56,23,147,240,110,208,183,138,43,136,163,101,113,83,26,0,231,137,62,48,75,158,14,236,110,242,8,6,52,177,20,40,97,53,198,8,55,201,58,192,247,119,247,197,28,3,5,240,207,169,101,12,156,118,158,67,116,247,84,215,126,229,101,173,153,124,181,171,212,187,119,208,16,199,174,63,64,113,184,202,251,56,203,133,39,119,77,237,187,174,162,64,59,44,68,236,73,208,29,53,93,191,19,150,58]}',
      '{"type":"handshakePayload","protocol_version":3,"data":[1]}',
      '{"type":"register","protocol_version":3,"status":true,"upgrade_mode":false}',
      '{"type":"supportedProtocol","version":6}',
      '{"type":"authenticate","protocol_version":4,"status":true,"bandwidth_remaining":1000000000,"upgrade_mode":false}',
      '{"type":"send","remaining_bandwidth":1000000000,"upgrade_mode":false}',
    ],
    firstFrameLength: 2451,
    firstFrameKind: 1,
    firstFrameNonceHex: "7f500367033fd50f8b19a02b",
    firstFramePlaintextLength: 2421,
    firstFramePlaintextHeadHex:
      "000406fd7f00000bf9097c2270e0c94c3944dc54d07a63bc0cd82a8f6e15423682467de6c0f61c634380b31dd7536892",
    pushedFrameLengths: [[1643, 1673], [21, 51]],
  },
  {
    name: "proto5",
    fakeGatewayProtocol: "5",
    sharedKeyHex: "4951cf58b917c4f06b194e34eb79bb6a86eb246a0a91e5d55ae15dc05227a77b",
    clientAddress: "3B338cM861fpMqJUvUyHvzuvWWV4Xn4ohLNWeNAxVUCJ",
    clientEphemeralHex: "a4ed73b5dc4b00fb994e46ca56d01451dfb697b43868a4c2f643a76f7ab6ec09",
    saltHex: "15814553e9d9102eb875663af9ce4ab6",
    clientToGateway: [
      '{"type":"supportedProtocol"}',
      '{"type":"handshakePayload","protocol_version":3,"data":[32,73,124,34,72,112,43,35,40,34,78,172,23,9,115,67,62,5,140,198,166,98,240,161,72,170,83,165,187,155,69,139,164,237,115,181,220,75,0,251,153,78,70,202,86,208,20,81,223,182,151,180,56,104,164,194,246,67,167,111,122,182,236,9,21,129,69,83,233,217,16,46,184,117,102,58,249,206,74,182]}',
      '{"type":"handshakePayload","protocol_version":3,"data":[31,135,195,195,146,214,214,129,67,241,189,187,233,130,32,127,233,221,9,132,253,55,64,249,230,8,224,56,174,186,23,189,213,13,163,185,245,22,238,64,122,109,11,190,211,91,242,20,7,239,80,168,129,148,150,22,51,73,50,229,159,176,108,129,206,245,175,228,130,167,48,191,120,220,211,48,46,69,140,33,143,13,62,39,188,2,61,222,66,155,3,198]}',
      '{"type":"supportedProtocol"}',
      '{"type":"authenticateV2","protocolVersion":4,"clientIdentity":[32,73,124,34,72,112,43,35,40,34,78,172,23,9,115,67,62,5,140,198,166,98,240,161,72,170,83,165,187,155,69,139],"addressCiphertext":"T4+fn0QijrzYv62CYAx2C0wsG1a5awL9KjEcrKiEIPNLkfpkzIF9AjBJhIIbeU6T","nonce":"9AzYpC3RejkAGt6D","requestUnixTimestamp":1795300998,"requestSignature":[3,180,62,111,77,246,136,193,194,116,172,63,106,125,52,67,55,71,104,149,101,185,146,216,18,84,196,130,85,2,108,54,176,151,91,51,180,138,244,138,33,148,216,24,149,145,34,89,137,254,129,240,97,81,12,185,159,143,86,68,143,54,245,12]}',
    ],
    gatewayToClient: [
      '{"type":"supportedProtocol","version":6}',
      '{"type":"handshakePayload","protocol_version":5,"data":[106,25,78,233,42,197,75,155,221,190,44,250,51,50,20,88,82,38,60,19,163,201,216,63,126,233,46,91,140,191,223,93,195,135,99,80,31,1,44,96,97,23,110,244,9,164,244,236,121,68,10,249,8,101,162,232,1,151,163,192,54,53,165,74,38,244,249,241,22,64,123,173,29,219,253,136,231,162,110,164,84,164,57,51,235,143,153,187,177,100,146,52,65,190,17,25,196,119,93,212,231,52,186,154,206,76,191,129,221,106,165,124,107,204,178,122,103,126,55,137,253,165,138,232]}',
      '{"type":"handshakePayload","protocol_version":5,"data":[1]}',
      '{"type":"register","protocol_version":5,"status":true,"upgrade_mode":false}',
      '{"type":"supportedProtocol","version":6}',
      '{"type":"authenticate","protocol_version":5,"status":true,"bandwidth_remaining":1000000000,"upgrade_mode":false}',
      '{"type":"send","remaining_bandwidth":1000000000,"upgrade_mode":false}',
    ],
    firstFrameLength: 2452,
    firstFrameKind: 2,
    firstFrameNonceHex: "90714ff34eb3f34c197a848d",
    firstFramePlaintextLength: 2422,
    firstFramePlaintextHeadHex:
      "00020406fd7f00000b9cdd301abab1e3f28fd9f3ebbf6b587a866351b4660eeb45940d3bfb6615417abf53d41d2764c0",
    pushedFrameLengths: [[1643, 1673], [21, 51]],
  },
];
