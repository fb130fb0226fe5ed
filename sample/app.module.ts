import { Module } from '@nestjs/common';
// A real app imports SessionModule from 'nest-sessions'.
import { SessionModule } from '../lib/index.js';
import { AuthModule } from './auth/auth.module.js';
import { CartModule } from './cart/cart.module.js';
import { DevicesModule } from './devices/devices.module.js';
import { SAMPLE_CONFIG, SampleConfigModule } from './config/sample-config.module.js';
import { SessionBackend } from './config/session-backend.js';
import { sessionOptions } from './config/session-options.js';
import { HomeModule } from './home/home.module.js';
import { LayoutModule } from './layout/layout.module.js';
import { PreferencesModule } from './preferences/preferences.module.js';
import { SessionInspectorModule } from './session-inspector/session-inspector.module.js';

@Module({
  imports: [
    SampleConfigModule,
    // Options from configuration: SESSION_STORE picks the store, SESSION_SECRET signs the cookies.
    SessionModule.forRootAsync({
      imports: [SampleConfigModule],
      inject: [SAMPLE_CONFIG, SessionBackend],
      useFactory: sessionOptions,
    }),
    LayoutModule,
    HomeModule,
    AuthModule,
    DevicesModule,
    CartModule,
    PreferencesModule,
    SessionInspectorModule,
  ],
})
export class AppModule {}
