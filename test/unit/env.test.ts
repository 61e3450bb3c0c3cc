import { afterEach, describe, expect, test } from 'vitest';
import { adoptPendingPm2Env, processEnv } from '../../src/env.js';

const saved = { pm2_env: process.env['pm2_env'], PROMKIT_ENV_TEST: process.env['PROMKIT_ENV_TEST'] };
afterEach(() => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

describe('the environment under PM2 cluster mode', () => {
  test('reads the app\'s variables from PM2\'s pending pm2_env, over the inherited ones', () => {
    process.env['PROMKIT_ENV_TEST'] = 'inherited';
    process.env['pm2_env'] = JSON.stringify({ PROMKIT_ENV_TEST: 'from-ecosystem', NODE_APP_INSTANCE: 1, env: { nested: true } });
    const env = processEnv();
    expect(env['PROMKIT_ENV_TEST']).toBe('from-ecosystem');
    expect(env['NODE_APP_INSTANCE']).toBe('1');
    // Objects are not variables: PM2 itself would stringify them to "[object Object]".
    expect(env['env']).toBeUndefined();
  });

  test('outside PM2 it is process.env itself, and a malformed pm2_env is ignored', () => {
    delete process.env['pm2_env'];
    expect(processEnv()).toBe(process.env);
    process.env['pm2_env'] = '{not json';
    expect(processEnv()).toBe(process.env);
  });

  test('the preload adopts the pending variables into process.env, as PM2\'s wrapper will', () => {
    process.env['pm2_env'] = JSON.stringify({ PROMKIT_ENV_TEST: 'adopted' });
    adoptPendingPm2Env();
    expect(process.env['PROMKIT_ENV_TEST']).toBe('adopted');
  });
});
