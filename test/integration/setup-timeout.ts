// Integration tests talk to real services; on a cold 2-core machine a broker call can take seconds.
jest.setTimeout(120_000);
