import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { devPhoneEnabled } from '../../src/plugins/dev-phone.js';

// docker-compose.dev.yml, without a Docker engine: it parses, hangs together, and the
// environment it gives otpgate is a valid development configuration with the virtual phone.

interface Service {
  build?: string;
  image?: string;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  healthcheck?: unknown;
}

const compose = parse(readFileSync('docker-compose.dev.yml', 'utf8')) as { name: string; services: Record<string, Service> };

describe('docker-compose.dev.yml', () => {
  const { otpgate, redis } = compose.services;

  it('runs otpgate from this repository next to a Redis it waits for', () => {
    expect(compose.name).toBe('otpgate-dev');
    expect(otpgate.build).toBe('.');
    expect(existsSync('Dockerfile')).toBe(true);
    expect(redis.image).toMatch(/^redis:/);
    expect(redis.healthcheck).toBeDefined();
    expect(otpgate.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
    const host = new URL(otpgate.environment!.REDIS_URL).hostname;
    expect(Object.keys(compose.services)).toContain(host);
  });

  it('gives a valid development configuration: console providers and the virtual phone', () => {
    const env = otpgate.environment!;
    const config = loadConfig(env);
    expect(config.production).toBe(false);
    expect([config.SMS_PROVIDER, config.FLASH_CALL_PROVIDER, config.VOICE_PROVIDER].map(String)).toEqual(['console', 'console', 'console']);
    expect(devPhoneEnabled(config)).toBe(true);
    // Reachable from the host, on loopback only (the phone shows every code).
    expect(env.HOST).toBe('0.0.0.0');
    expect(otpgate.ports).toEqual([`127.0.0.1:${env.PORT}:${env.PORT}`]);
  });
});
