import { parseJavaVersion } from './java';

describe('parseJavaVersion', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "25" 2025-09-16', 25],
    ['java version "1.8.0_392"', 8],
    ['openjdk version "21.0.2" 2024-01-16 LTS', 21],
  ])('reads %s as %d', (text, major) => {
    expect(parseJavaVersion(text)).toBe(major);
  });

  it('returns undefined for something that is not java -version output', () => {
    expect(parseJavaVersion('command not found')).toBeUndefined();
  });
});
