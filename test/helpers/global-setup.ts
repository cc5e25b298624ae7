import type { TestProject } from 'vitest/node';
import { startRedisServer, type RedisServerHandle } from './redis-server.js';

// Real Redis for every test: REDIS_URL if the environment gives one, else a redis-server of
// our own on a free loopback port, else a testcontainers Redis where a Docker engine exists.
let handle: RedisServerHandle | undefined;
let container: { stop(): Promise<unknown> } | undefined;

export async function setup(project: TestProject) {
  let url = process.env.REDIS_URL;
  if (!url) {
    try {
      handle = await startRedisServer();
      url = handle.url;
    } catch {
      // No redis-server binary here: a Docker engine, if there is one, runs Redis instead.
      const { GenericContainer } = await import('testcontainers');
      const started = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
      container = started;
      url = `redis://${started.getHost()}:${started.getMappedPort(6379)}`;
    }
  }
  project.provide('redisUrl', url);
}

export async function teardown() {
  await handle?.stop();
  await container?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
