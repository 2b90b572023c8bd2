import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../core/errors';
import { loadConfig } from './load';

const emptyDir = () => mkdtempSync(join(tmpdir(), 'reelstream-config-'));

describe('loadConfig', () => {
  it('gives the local-stack defaults when there is no file and no environment', () => {
    const config = loadConfig({ env: {}, cwd: emptyDir() });
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.schemaRegistry.url).toBe('http://127.0.0.1:8081/apis/ccompat/v7');
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.clickhouse).toMatchObject({ url: 'http://127.0.0.1:8123', database: 'reelstream' });
  });

  it('lets environment variables override the file', () => {
    const dir = emptyDir();
    writeFileSync(join(dir, 'reelstream.config.json'), JSON.stringify({ kafka: { brokers: ['file:1'] } }));
    const config = loadConfig({
      cwd: dir,
      env: { KAFKA_BROKERS: 'a:9092, b:9093', REDIS_URL: 'redis://cache:6380', KAFKA_SSL: 'true' },
    });
    expect(config.kafka.brokers).toEqual(['a:9092', 'b:9093']);
    expect(config.kafka.ssl).toBe(true);
    expect(config.redis.url).toBe('redis://cache:6380');
  });

  it('names the key and the variable that set a bad value', () => {
    expect(() => loadConfig({ env: { KAFKA_BROKERS: 'not-an-address' }, cwd: emptyDir() })).toThrow(
      /kafka\.brokers\.0: must be host:port.*\(set by KAFKA_BROKERS\)/,
    );
  });

  it('reads the stream thread count from REELSTREAM_THREADS, and refuses one that is not a positive integer', () => {
    expect(loadConfig({ env: {}, cwd: emptyDir() }).processing.threads).toBe(1);
    expect(loadConfig({ env: { REELSTREAM_THREADS: '2' }, cwd: emptyDir() }).processing.threads).toBe(2);
    expect(() => loadConfig({ env: { REELSTREAM_THREADS: 'two' }, cwd: emptyDir() })).toThrow(
      /processing\.threads: .*\(set by REELSTREAM_THREADS\)/,
    );
    expect(() => loadConfig({ env: { REELSTREAM_THREADS: '0' }, cwd: emptyDir() })).toThrow(
      /processing\.threads: must be at least 1/,
    );
  });

  it('names the key and the file for a bad value in the file', () => {
    const dir = emptyDir();
    writeFileSync(join(dir, 'reelstream.config.json'), JSON.stringify({ clickhouse: { url: 'ftp://x' } }));
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(
      /clickhouse\.url: must be an http\(s\) URL \(in .*reelstream\.config\.json\)/,
    );
  });

  it('rejects a poll interval below the session timeout, naming the key', () => {
    const dir = emptyDir();
    writeFileSync(join(dir, 'reelstream.config.json'), JSON.stringify({ kafka: { maxPollIntervalMs: 5_000 } }));
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(
      /kafka\.maxPollIntervalMs: must be at least the 10 s session timeout/,
    );
    expect(loadConfig({ env: {}, cwd: emptyDir() }).kafka.maxPollIntervalMs).toBe(300_000);
  });

  it('rejects unknown keys, which are usually typos', () => {
    const dir = emptyDir();
    writeFileSync(join(dir, 'reelstream.config.json'), JSON.stringify({ kafak: {} }));
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(ConfigError);
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(/kafak/);
  });

  it('fails at once on a missing explicit file and on invalid JSON', () => {
    const dir = emptyDir();
    expect(() => loadConfig({ file: 'nope.json', env: {}, cwd: dir })).toThrow(/does not exist/);
    writeFileSync(join(dir, 'broken.json'), '{ "kafka": ');
    expect(() => loadConfig({ file: 'broken.json', env: {}, cwd: dir })).toThrow(/not valid JSON/);
  });

  it('marks config errors as not retriable', () => {
    try {
      loadConfig({ env: { KAFKA_TRANSPORT: 'carrier-pigeon' }, cwd: emptyDir() });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).retriable).toBe(false);
      expect((error as Error).message).toMatch(/kafka\.transport/);
    }
  });
});
