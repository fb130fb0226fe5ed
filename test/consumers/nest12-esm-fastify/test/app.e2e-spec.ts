import { Test, TestingModule } from '@nestjs/testing';
import {
  FastifyAdapter,
  NestFastifyApplication,
} from '@nestjs/platform-fastify';
import request from 'supertest';
import { SessionModule } from 'nest-sessions';
import { RedisStore } from 'nest-sessions/redis';
import { TypeOrmStore } from 'nest-sessions/typeorm';
import { AppModule } from './../src/app.module.js';

describe('AppController (e2e)', () => {
  let app: NestFastifyApplication;

  beforeEach(async () => {
    const moduleFixture: TestingModule = await Test.createTestingModule({
      imports: [AppModule],
    }).compile();

    app = moduleFixture.createNestApplication<NestFastifyApplication>(
      new FastifyAdapter(),
    );
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
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

  it('loads every entry point (ESM)', () => {
    expect(typeof SessionModule.forRoot).toBe('function');
    expect(typeof RedisStore).toBe('function');
    expect(typeof TypeOrmStore).toBe('function');
  });

  afterEach(async () => {
    await app.close();
  });
});
