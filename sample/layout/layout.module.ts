import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { LayoutInterceptor } from './layout.interceptor.js';

@Module({ providers: [{ provide: APP_INTERCEPTOR, useClass: LayoutInterceptor }] })
export class LayoutModule {}
