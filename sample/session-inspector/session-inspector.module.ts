import { Module } from '@nestjs/common';
import { SessionInspectorController } from './session-inspector.controller.js';

@Module({ controllers: [SessionInspectorController] })
export class SessionInspectorModule {}
