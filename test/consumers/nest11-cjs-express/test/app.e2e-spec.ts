import { Test, TestingModule } from '@nestjs/testing';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { App } from 'supertest/types';
import { SessionModule } from 'nest-sessions';
import { RedisStore } from 'nest-sessions/redis';
import { TypeOrmStore } from 'nest-sessions/typeorm';
import { AppModule } from './../src/app.module';

describe('AppController (e2e)', () => {
  let app: INestApplication<App>;

  beforeEach(async () => {
    const moduleFixture: TestingModule = await Test.createTestingModule({
      imports: [AppModule],
    }).compile();

    app = moduleFixture.createNestApplication();
    await app.init();
  });

  it('/ (GET)', () => {
    return request(app.getHttpServer())
      .get('/')
      .expect(200)
      .expect('Hello World!');
  });

  it('/visit (GET) keeps a session across requests, with a flash', async () => {
    const agent = request.agent(app.getHttpServer());
    const first = await agent.get('/visit').expect(200);
    expect(first.body).toEqual({ visits: 1, notice: null });
    expect(first.headers['set-cookie']).toBeDefined();
    await agent.get('/visit').expect(200, { visits: 2, notice: 'hi' });
    await agent.get('/visit').expect(200, { visits: 3, notice: 'hi' });
  });

  it('loads every entry point under Jest (CommonJS)', () => {
    expect(typeof SessionModule.forRoot).toBe('function');
    expect(typeof RedisStore).toBe('function');
    expect(typeof TypeOrmStore).toBe('function');
  });

  afterEach(async () => {
    await app.close();
  });
});
