import { Module } from '@nestjs/common';
import { AccountController } from './account.controller.js';
import { AuthController } from './auth.controller.js';
import { SignedInGuard } from './signed-in.guard.js';

@Module({ controllers: [AuthController, AccountController], providers: [SignedInGuard] })
export class AuthModule {}
