/** Hash slots of Redis Cluster. */
export const CLUSTER_SLOTS = 16_384

/** CRC16/XMODEM, the checksum Redis Cluster hashes keys with. */
function crc16(bytes: Uint8Array): number {
  let crc = 0
  for (const byte of bytes) {
    crc ^= byte << 8
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
  }
  return crc
}

const utf8 = new TextEncoder()

/**
 * The hash slot of a key, as Redis Cluster computes it (`CLUSTER KEYSLOT`): of the first non-empty `{…}` hash tag
 * when there is one, else of the whole key. Keys that one script touches must share a slot.
 * @example keySlot('portcullis:rt:ip:{10.0.0.1}:connect') === keySlot('portcullis:rt:ip:{10.0.0.1}:block') // true
 */
export function keySlot(key: string): number {
  const open = key.indexOf('{')
  if (open !== -1) {
    const close = key.indexOf('}', open + 1)
    if (close > open + 1) return crc16(utf8.encode(key.slice(open + 1, close))) % CLUSTER_SLOTS
  }
  return crc16(utf8.encode(key)) % CLUSTER_SLOTS
}
