import { Global, Module } from '@nestjs/common';
import { readSampleConfig } from './sample-config.js';
import { SessionBackend } from './session-backend.js';

/** Injection token of the `SampleConfig` read from the environment. */
export const SAMPLE_CONFIG = Symbol('SAMPLE_CONFIG');

/** The environment, read when the app starts, and the session store it chose. */
@Global()
@Module({
  providers: [
    { provide: SAMPLE_CONFIG, useFactory: () => readSampleConfig() },
    { provide: SessionBackend, useFactory: SessionBackend.open, inject: [SAMPLE_CONFIG] },
  ],
  exports: [SAMPLE_CONFIG, SessionBackend],
})
export class SampleConfigModule {}
