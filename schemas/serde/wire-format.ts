import { DecodeError } from './decode-error';

/**
 * The Confluent wire format: a magic byte 0, the writer schema's registry id as a big-endian int32,
 * then the Avro binary body. Every Confluent-compatible producer and consumer speaks it.
 */
export const MAGIC_BYTE = 0;
export const HEADER_BYTES = 5;

export function encodeWire(schemaId: number, body: Buffer): Buffer {
  const message = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  message.writeUInt8(MAGIC_BYTE, 0);
  message.writeInt32BE(schemaId, 1);
  body.copy(message, HEADER_BYTES);
  return message;
}

export function readSchemaId(message: Buffer): number {
  if (message.length < HEADER_BYTES) {
    throw new DecodeError(
      'truncated',
      `message of ${message.length} bytes is shorter than the ${HEADER_BYTES}-byte wire header`,
    );
  }
  const magic = message.readUInt8(0);
  if (magic !== MAGIC_BYTE) {
    throw new DecodeError(
      'wrong-magic-byte',
      `magic byte is ${magic}, expected ${MAGIC_BYTE} (not Confluent wire format)`,
    );
  }
  return message.readInt32BE(1);
}
