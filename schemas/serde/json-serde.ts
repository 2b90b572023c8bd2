import { DecodeError } from './decode-error';

/** JSON values for development and tests: readable on the wire, no registry. Not for production volumes. */
export class JsonSerde<T> {
  encode(value: T): Buffer {
    return Buffer.from(JSON.stringify(value));
  }

  decode(message: Buffer | null | undefined): T {
    if (message === null || message === undefined)
      throw new DecodeError('null-value', 'the value is null, where a record is required');
    try {
      return JSON.parse(message.toString('utf8')) as T;
    } catch (cause) {
      throw new DecodeError('invalid-json', `not JSON: ${(cause as Error).message}`, undefined, cause);
    }
  }
}
