import { Module } from '@nestjs/common';
import { DevicesController } from './devices.controller.js';

/** UserSessions is provided by SessionModule (global): nothing to import for it. */
@Module({ controllers: [DevicesController] })
export class DevicesModule {}
