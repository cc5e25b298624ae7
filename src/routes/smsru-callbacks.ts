import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SMSRU_STATUS_CODES, smsRuCode, smsRuDeliveryStatus } from '../channels/smsru-codes.js';
import type { Config } from '../config.js';
import { notes } from '../openapi/notes.js';
import { callbackTokenCheck, loggableStatus, tokenParams } from './callback-token.js';

// SMS.ru's delivery callback (docs/callbacks.md): a form POST of `data[0]`, `data[1]`, …,
// each a record of lines; `sms_status\n<sms_id>\n<status_code>\n<unix_time>` is ours, other
// records (`test`, `callcheck_status`) are skipped. Always answered `100`: any other answer
// makes SMS.ru treat the handler as failing and send again.

const MAX_RECORDS = 100;
const smsRuCallback = z.record(z.string().max(32), z.union([z.string().max(512), z.array(z.string().max(512)).max(MAX_RECORDS)]));

const smsRuCallbackRoutes: FastifyPluginAsyncZod<{ config: Config }> = async (app, { config }) => {
  app.post(
    '/callbacks/smsru/:token',
    {
      onRequest: callbackTokenCheck(config),
      schema: {
        tags: ['callbacks'],
        security: [],
        params: tokenParams,
        operationId: 'smsruDeliveryCallback',
        ...notes({
          problems: ['not_found', 'invalid_request', 'store_unavailable'],
          requestMediaTypes: ['application/x-www-form-urlencoded'],
          bodyChecks: true,
          responses: {
            200: { description: 'Records taken (unknown ids too)', content: { 'text/plain': { schema: { type: 'string', const: '100' }, example: '100' } } },
          },
        }),
        summary: 'SMS.ru delivery callbacks',
        description:
          'Form fields data[0], data[1], …: records of lines "sms_status\\n<sms_id>\\n<status_code>\\n<unix_time>". 103 and 110 → delivered; 104–108 and 150 → undelivered. Answers 100 (text/plain), as SMS.ru requires.',
        body: smsRuCallback,
      },
    },
    async (req, reply) => {
      const records = Object.entries(req.body)
        .filter(([k]) => k === 'data' || /^data\[\d{1,3}\]$/.test(k))
        .flatMap(([, v]) => (Array.isArray(v) ? v : [v]))
        .slice(0, MAX_RECORDS);
      for (const record of records) {
        const [kind, smsId, codeText] = record.split('\n').map((l) => l.trim());
        if (kind !== 'sms_status' || !smsId) continue;
        const mapped = smsRuDeliveryStatus(smsRuCode(codeText));
        if (mapped) await app.verifications.applyDeliveryStatus('smsru', smsId.slice(0, 64), mapped);
        else req.log.info({ status: loggableStatus(codeText, SMSRU_STATUS_CODES) }, 'SMS.ru status without news we act on');
      }
      return reply.type('text/plain').send('100');
    },
  );
};

export default smsRuCallbackRoutes;
