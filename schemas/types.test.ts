import { readFileSync } from 'node:fs';
import { GENERATED_FILE, generateTypes } from './generate-types';

describe('TypeScript types of the Avro contracts', () => {
  it('match the .avsc files (run `npm run schemas:types` after changing a schema)', () => {
    expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(generateTypes());
  });
});
