import { PauseResponse } from './pause-response';

describe('PauseResponse', () => {
  const measured = () => {
    const seconds: number[] = [];
    return { seconds, response: new PauseResponse((value) => seconds.push(value)) };
  };
  const records = (...topics: string[]) => topics.map((topic) => ({ topic }));

  it('measures from the crossing to the last fetch that still delivered a paused topic', () => {
    const { seconds, response } = measured();
    response.paused(['free'], 1_000);
    response.fetched(records('free', 'premium'), 1_004); // prefetched before the pause
    response.fetched(records('free'), 1_012);
    expect(seconds).toEqual([]);
    response.fetched(records('premium'), 1_030); // the first fetch without it closes the measurement
    expect(seconds).toEqual([0.012]);
    expect(response.pending).toBe(0);
  });

  it('is zero when no record arrived after the pause, and each topic is measured apart', () => {
    const { seconds, response } = measured();
    response.paused(['free'], 2_000);
    response.fetched(records('free'), 2_003);
    response.paused(['standard'], 2_005);
    response.fetched([], 2_050);
    expect(seconds).toEqual([0.003, 0]);
  });

  it('a pause already measuring keeps its crossing; a resume before any fetch closes it', () => {
    const { seconds, response } = measured();
    response.paused(['free'], 3_000);
    response.paused(['free'], 3_020); // still paused: not a new crossing
    response.fetched(records('free'), 3_040);
    response.resumed(['free']);
    expect(seconds).toEqual([0.04]);
    response.resumed(['free']); // nothing open: nothing observed
    expect(seconds).toEqual([0.04]);
  });
});
