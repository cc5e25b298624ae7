// Generated from openapi/openapi.json by `npm run openapi` (openapi-typescript). Do not edit.

export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: 200 when the store answers, else 503 */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/verifications": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start a verification: send a code to a phone number
         * @description A pending verification of the same client to the same number is canceled. With an Idempotency-Key header, a repeat with the same key and body returns the first answer and sends nothing.
         */
        post: operations["startVerification"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/verifications/check": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Check a code
         * @description Give the code and either the verification id or the phone number (`to`).
         */
        post: operations["checkVerification"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/verifications/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read a verification */
        get: operations["getVerification"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/verifications/{id}/resend": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send a new code, optionally on another channel
         * @description The old code stops being valid. Counts against MAX_SENDS and the send limits; waits for the cooldown (resendAvailableAt).
         */
        post: operations["resendVerification"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/verifications/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel a pending verification */
        post: operations["cancelVerification"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/callbacks/smstraffic/{token}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * SMS Traffic delivery reports
         * @description Form fields sms_id, status, delivery_date. Idempotent; unknown ids are answered 200 and ignored.
         */
        post: operations["smstrafficDeliveryReport"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/callbacks/twilio/voice/{token}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Inbound call to the flash-call number: the robot dictates the code
         * @description Twilio voice webhook (form From, To, CallSid), signed with X-Twilio-Signature when TWILIO_AUTH_TOKEN is set (403 otherwise). Answers TwiML: the code digit by digit, twice, when From has a pending flash-call verification whose code is the last four digits of To; otherwise a short "no active code" message.
         */
        post: operations["twilioInboundCall"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/callbacks/twilio/status/{token}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Twilio status callbacks of outbound voice calls
         * @description Form CallSid, CallStatus, … signed with X-Twilio-Signature when TWILIO_AUTH_TOKEN is set (403 otherwise). completed → attempt delivered; busy, no-answer, failed, canceled → undelivered (an auto workflow moves on at once); other statuses change nothing. Answers 204.
         */
        post: operations["twilioCallStatus"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/callbacks/smsru/{token}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * SMS.ru delivery callbacks
         * @description Form fields data[0], data[1], …: records of lines "sms_status\n<sms_id>\n<status_code>\n<unix_time>". 103 and 110 → delivered; 104–108 and 150 → undelivered. Answers 100 (text/plain), as SMS.ru requires.
         */
        post: operations["smsruDeliveryCallback"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/failed": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List failed webhook events
         * @description Events of the calling client whose every delivery attempt failed, kept 7 days; newest first.
         */
        get: operations["listFailedWebhooks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/failed/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send a failed webhook event again
         * @description Queues the event again with the same webhook-id and a fresh retry schedule.
         */
        post: operations["retryFailedWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description One send of a code */
        Attempt: {
            /** @enum {string} */
            channel: "sms" | "flash_call" | "voice";
            /** @description smstraffic, ucaller, twilio, console, test, … */
            provider: string;
            /** @enum {string} */
            status: "queued" | "sent" | "delivered" | "undelivered" | "failed";
            /** @description The provider's id of the message or call */
            providerRef?: string;
            /**
             * Format: date-time
             * @description When the send was made
             * @example 2026-11-22T10:00:00.000Z
             */
            at: string;
        };
        /** @description Check a code: the code and either id or to */
        CheckRequest: {
            /** @description The verification id; give either id or to */
            id?: string;
            /** @description The phone number (its client's pending verification); give either id or to */
            to?: string;
            /**
             * @description The code the person typed: 4–10 digits
             * @example 123456
             */
            code: string;
        };
        /** @description The outcome of a check whose code was compared */
        CheckResult: {
            id: string;
            /** @enum {string} */
            status: "pending" | "approved" | "canceled" | "expired" | "max_attempts_reached" | "failed";
            /** @description true: the code was right and the verification is approved */
            valid: boolean;
            /** @description Wrong codes still allowed */
            checksRemaining: number;
        };
        /** @description RFC 9457 problem details (application/problem+json) */
        Problem: {
            /** @description A URI naming the problem */
            type: string;
            title: string;
            status: number;
            /** @description Human-readable; may change: branch on code */
            detail: string;
            /**
             * @description Stable: see docs/errors.md
             * @enum {string}
             */
            code: "invalid_request" | "invalid_phone_number" | "invalid_code_format" | "unauthorized" | "country_not_allowed" | "destination_blocked" | "invalid_signature" | "verification_not_found" | "not_found" | "webhook_event_not_found" | "verification_not_pending" | "channel_not_available" | "idempotency_key_reused" | "resend_too_soon" | "rate_limited" | "max_sends_reached" | "internal_error" | "provider_error" | "store_unavailable" | "provider_unavailable";
            /**
             * @description With verification_not_pending: how it ended
             * @enum {string}
             */
            verificationStatus?: "pending" | "approved" | "canceled" | "expired" | "max_attempts_reached" | "failed";
        };
        ResendRequest: {
            /**
             * @description Defaults to the current channel
             * @enum {string}
             */
            channel?: "sms" | "flash_call" | "voice";
        };
        /** @description Start a verification */
        StartRequest: {
            /**
             * @description E.164 (+79161234567) or a national number of DEFAULT_COUNTRY
             * @example +79161234567
             */
            to: string;
            /**
             * @description Defaults to DEFAULT_CHANNEL
             * @enum {string}
             */
            channel?: "sms" | "flash_call" | "voice" | "auto";
            /**
             * @description Defaults to DEFAULT_LOCALE
             * @enum {string}
             */
            locale?: "ru" | "en" | "pt";
            /** @description Flash-call codes always have 4 digits */
            codeLength?: number;
            ttlSeconds?: number;
            /** @description SMS originator (sender name) */
            sender?: string;
            /** @description Kept with the verification and returned as is. At most 4096 bytes as JSON, 5 levels deep, 50 keys and array items in all, strings of 512 characters */
            metadata?: {
                [key: string]: unknown;
            };
            /**
             * @description The end user's IP address, for per-user limits (IPv6 counted by /64); never stored
             * @example 203.0.113.7
             */
            clientIp?: string;
        };
        /** @description A verification, as a backend sees it: never any code material */
        Verification: {
            id: string;
            /** @description E.164 */
            to: string;
            /**
             * @description The channel of the code now valid
             * @enum {string}
             */
            channel: "sms" | "flash_call" | "voice";
            /**
             * @description Only pending accepts checks
             * @enum {string}
             */
            status: "pending" | "approved" | "canceled" | "expired" | "max_attempts_reached" | "failed";
            /** @enum {string} */
            locale: "ru" | "en" | "pt";
            /** @description Digits of the code now valid */
            codeLength: number;
            /**
             * Format: date-time
             * @description When the verification was started
             * @example 2026-11-22T10:00:00.000Z
             */
            createdAt: string;
            /**
             * Format: date-time
             * @description When the code now valid expires
             * @example 2026-11-22T10:00:00.000Z
             */
            expiresAt: string;
            /** @description Wrong codes still allowed */
            checksRemaining: number;
            /** @description Sends (resends or auto steps) still allowed */
            sendsRemaining: number;
            /**
             * Format: date-time
             * @description The earliest time a resend is accepted (the cooldown)
             * @example 2026-11-22T10:00:00.000Z
             */
            resendAvailableAt: string;
            /** @description One per send, oldest first */
            attempts: components["schemas"]["Attempt"][];
            /** @description The start's metadata, as given */
            metadata: {
                [key: string]: unknown;
            };
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: {
        /** @description The request's id: the caller's X-Request-Id when it sent a sane one, otherwise a new one. Quote it in support requests; it is in every log line of the request */
        "X-Request-Id": string;
        /** @description Seconds to wait before the same request can succeed */
        "Retry-After": number;
        /** @description Present (true) when the answer is the stored answer of an earlier request with the same Idempotency-Key; nothing was sent */
        "Idempotent-Replayed": "true";
        /** @description Requests allowed per minute for this API client (CLIENT_RATE_LIMIT) */
        "X-RateLimit-Limit": number;
        /** @description Requests left in the current minute */
        "X-RateLimit-Remaining": number;
        /** @description Seconds until the current minute ends */
        "X-RateLimit-Reset": number;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The process serves */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status: "ok";
                    };
                };
            };
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The store answers */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status: "ready";
                        store: string;
                    };
                };
            };
            /** @description `internal_error`: a bug; the log has the details */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "internal_error";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `store_unavailable`: Redis does not answer; safe to retry */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "store_unavailable";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
        };
    };
    startVerification: {
        parameters: {
            query?: never;
            header?: {
                /** @description A repeat with the same key and body returns the first answer (Idempotent-Replayed: true) and sends nothing */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "to": "+79161234567",
                 *       "channel": "sms",
                 *       "locale": "en",
                 *       "metadata": {
                 *         "userId": "u_1024"
                 *       },
                 *       "clientIp": "203.0.113.7"
                 *     }
                 */
                "application/json": components["schemas"]["StartRequest"];
            };
        };
        responses: {
            /** @description The verification, pending with its first attempt */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "vf_3hT9xK2mQ8pL4nR7sW1vY6zA",
                     *       "to": "+79161234567",
                     *       "channel": "sms",
                     *       "status": "pending",
                     *       "locale": "en",
                     *       "codeLength": 6,
                     *       "createdAt": "2026-11-22T10:00:00.000Z",
                     *       "expiresAt": "2026-11-22T10:10:00.000Z",
                     *       "checksRemaining": 5,
                     *       "sendsRemaining": 4,
                     *       "resendAvailableAt": "2026-11-22T10:00:30.000Z",
                     *       "attempts": [
                     *         {
                     *           "channel": "sms",
                     *           "provider": "smstraffic",
                     *           "status": "sent",
                     *           "providerRef": "1000472891",
                     *           "at": "2026-11-22T10:00:00.120Z"
                     *         }
                     *       ],
                     *       "metadata": {
                     *         "userId": "u_1024"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["Verification"];
                };
            };
            /** @description `invalid_request`: the request is malformed (bad JSON, unknown or missing field, value out of range); `invalid_phone_number`: the number is not a valid mobile number, or the provider refused the number itself (not retried on another) */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request" | "invalid_phone_number";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `unauthorized`: missing or unknown API key */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "unauthorized";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `country_not_allowed`: the number's country is not in ALLOWED_COUNTRIES; `destination_blocked`: the pumping guard blocks the number's prefix */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "country_not_allowed" | "destination_blocked";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description the body is over 64 KiB */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description the body is not application/json */
            415: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `channel_not_available`: the channel has no provider; `idempotency_key_reused`: the Idempotency-Key was used with another body */
            422: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "channel_not_available" | "idempotency_key_reused";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `rate_limited`: a send, check or request limit; Retry-After says when to retry; `resend_too_soon`: inside RESEND_COOLDOWN_SECONDS of the last send to this number */
            429: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "rate_limited" | "resend_too_soon";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `internal_error`: a bug; the log has the details */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "internal_error";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `provider_error`: the provider refused the message; the verification is failed */
            502: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "provider_error";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `store_unavailable`: Redis does not answer; safe to retry; `provider_unavailable`: the provider cannot be reached or did not answer in time; the verification is failed */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "store_unavailable" | "provider_unavailable";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
        };
    };
    checkVerification: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "to": "+79161234567",
                 *       "code": "123456"
                 *     }
                 */
                "application/json": components["schemas"]["CheckRequest"];
            };
        };
        responses: {
            /** @description The code was compared: valid tells whether it was right */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "vf_3hT9xK2mQ8pL4nR7sW1vY6zA",
                     *       "status": "approved",
                     *       "valid": true,
                     *       "checksRemaining": 4
                     *     }
                     */
                    "application/json": components["schemas"]["CheckResult"];
                };
            };
            /** @description `invalid_request`: the request is malformed (bad JSON, unknown or missing field, value out of range); `invalid_code_format`: the code is not 4–10 digits or not the length of the code sent; no check is used up; `invalid_phone_number`: the number is not a valid mobile number, or the provider refused the number itself (not retried on another) */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request" | "invalid_code_format" | "invalid_phone_number";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `unauthorized`: missing or unknown API key */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "unauthorized";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `verification_not_found`: unknown id, past its 24-hour retention, or another client's */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "verification_not_found";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `verification_not_pending`: the verification has ended; verificationStatus says how */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "verification_not_pending";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description the body is over 64 KiB */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description the body is not application/json */
            415: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `rate_limited`: a send, check or request limit; Retry-After says when to retry */
            429: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "rate_limited";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `internal_error`: a bug; the log has the details */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "internal_error";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `store_unavailable`: Redis does not answer; safe to retry */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "store_unavailable";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
        };
    };
    getVerification: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A verification id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The verification */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "vf_3hT9xK2mQ8pL4nR7sW1vY6zA",
                     *       "to": "+79161234567",
                     *       "channel": "sms",
                     *       "status": "pending",
                     *       "locale": "en",
                     *       "codeLength": 6,
                     *       "createdAt": "2026-11-22T10:00:00.000Z",
                     *       "expiresAt": "2026-11-22T10:10:00.000Z",
                     *       "checksRemaining": 5,
                     *       "sendsRemaining": 4,
                     *       "resendAvailableAt": "2026-11-22T10:00:30.000Z",
                     *       "attempts": [
                     *         {
                     *           "channel": "sms",
                     *           "provider": "smstraffic",
                     *           "status": "sent",
                     *           "providerRef": "1000472891",
                     *           "at": "2026-11-22T10:00:00.120Z"
                     *         }
                     *       ],
                     *       "metadata": {
                     *         "userId": "u_1024"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["Verification"];
                };
            };
            /** @description `unauthorized`: missing or unknown API key */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "unauthorized";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `verification_not_found`: unknown id, past its 24-hour retention, or another client's */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "verification_not_found";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `rate_limited`: a send, check or request limit; Retry-After says when to retry */
            429: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "rate_limited";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `internal_error`: a bug; the log has the details */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "internal_error";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `store_unavailable`: Redis does not answer; safe to retry */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "store_unavailable";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
        };
    };
    resendVerification: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A verification id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                /**
                 * @example {
                 *       "channel": "voice"
                 *     }
                 */
                "application/json": components["schemas"]["ResendRequest"];
            };
        };
        responses: {
            /** @description The verification with a new attempt and a new code */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "vf_3hT9xK2mQ8pL4nR7sW1vY6zA",
                     *       "to": "+79161234567",
                     *       "channel": "sms",
                     *       "status": "pending",
                     *       "locale": "en",
                     *       "codeLength": 6,
                     *       "createdAt": "2026-11-22T10:00:00.000Z",
                     *       "expiresAt": "2026-11-22T10:10:00.000Z",
                     *       "checksRemaining": 5,
                     *       "sendsRemaining": 4,
                     *       "resendAvailableAt": "2026-11-22T10:00:30.000Z",
                     *       "attempts": [
                     *         {
                     *           "channel": "sms",
                     *           "provider": "smstraffic",
                     *           "status": "sent",
                     *           "providerRef": "1000472891",
                     *           "at": "2026-11-22T10:00:00.120Z"
                     *         }
                     *       ],
                     *       "metadata": {
                     *         "userId": "u_1024"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["Verification"];
                };
            };
            /** @description `invalid_request`: the request is malformed (bad JSON, unknown or missing field, value out of range); `invalid_phone_number`: the number is not a valid mobile number, or the provider refused the number itself (not retried on another) */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request" | "invalid_phone_number";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `unauthorized`: missing or unknown API key */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "unauthorized";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `country_not_allowed`: the number's country is not in ALLOWED_COUNTRIES; `destination_blocked`: the pumping guard blocks the number's prefix */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "country_not_allowed" | "destination_blocked";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `verification_not_found`: unknown id, past its 24-hour retention, or another client's */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "verification_not_found";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `verification_not_pending`: the verification has ended; verificationStatus says how */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "verification_not_pending";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description the body is over 64 KiB */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description the body is not application/json */
            415: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `channel_not_available`: the channel has no provider */
            422: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "channel_not_available";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `rate_limited`: a send, check or request limit; Retry-After says when to retry; `resend_too_soon`: inside RESEND_COOLDOWN_SECONDS of the last send to this number; `max_sends_reached`: the verification has used MAX_SENDS sends */
            429: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "rate_limited" | "resend_too_soon" | "max_sends_reached";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `internal_error`: a bug; the log has the details */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "internal_error";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `provider_error`: the provider refused the message; the verification is failed */
            502: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "provider_error";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `store_unavailable`: Redis does not answer; safe to retry; `provider_unavailable`: the provider cannot be reached or did not answer in time; the verification is failed */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "store_unavailable" | "provider_unavailable";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
        };
    };
    cancelVerification: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A verification id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The verification, canceled */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "vf_3hT9xK2mQ8pL4nR7sW1vY6zA",
                     *       "to": "+79161234567",
                     *       "channel": "sms",
                     *       "status": "canceled",
                     *       "locale": "en",
                     *       "codeLength": 6,
                     *       "createdAt": "2026-11-22T10:00:00.000Z",
                     *       "expiresAt": "2026-11-22T10:10:00.000Z",
                     *       "checksRemaining": 5,
                     *       "sendsRemaining": 4,
                     *       "resendAvailableAt": "2026-11-22T10:00:30.000Z",
                     *       "attempts": [
                     *         {
                     *           "channel": "sms",
                     *           "provider": "smstraffic",
                     *           "status": "sent",
                     *           "providerRef": "1000472891",
                     *           "at": "2026-11-22T10:00:00.120Z"
                     *         }
                     *       ],
                     *       "metadata": {
                     *         "userId": "u_1024"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["Verification"];
                };
            };
            /** @description `invalid_request`: the request is malformed (bad JSON, unknown or missing field, value out of range) */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `unauthorized`: missing or unknown API key */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "unauthorized";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `verification_not_found`: unknown id, past its 24-hour retention, or another client's */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "verification_not_found";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `verification_not_pending`: the verification has ended; verificationStatus says how */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "verification_not_pending";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description the body is over 64 KiB */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description a body was sent in a media type the service does not read (send none) */
            415: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `rate_limited`: a send, check or request limit; Retry-After says when to retry */
            429: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "rate_limited";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `internal_error`: a bug; the log has the details */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "internal_error";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `store_unavailable`: Redis does not answer; safe to retry */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "store_unavailable";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
        };
    };
    smstrafficDeliveryReport: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                token: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/x-www-form-urlencoded": {
                    sms_id?: string;
                    status?: string;
                    delivery_date?: string;
                } & {
                    [key: string]: unknown;
                };
            };
        };
        responses: {
            /** @description Report taken (unknown ids too) */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    /** @example OK */
                    "text/plain": "OK";
                };
            };
            /** @description `invalid_request`: the request is malformed (bad JSON, unknown or missing field, value out of range) */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `not_found`: no such route (or a wrong callback token) */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "not_found";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description the body is over 64 KiB */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description the body is not application/x-www-form-urlencoded */
            415: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `internal_error`: a bug; the log has the details */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "internal_error";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `store_unavailable`: Redis does not answer; safe to retry */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "store_unavailable";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
        };
    };
    twilioInboundCall: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                token: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/x-www-form-urlencoded": {
                    From?: string;
                    To?: string;
                    CallSid?: string;
                } & {
                    [key: string]: unknown;
                };
            };
        };
        responses: {
            /** @description TwiML the telephony front plays: the code twice, or a short "no active code" message */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    /** @example <Response><Say language="en-US" voice="Polly.Joanna">Your verification code is 1, 2, 3, 4.</Say><Pause length="1"/><Say language="en-US" voice="Polly.Joanna">1, 2, 3, 4.</Say><Hangup/></Response> */
                    "text/xml": string;
                };
            };
            /** @description `invalid_request`: the request is malformed (bad JSON, unknown or missing field, value out of range) */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `invalid_signature`: Invalid signature */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_signature";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `not_found`: no such route (or a wrong callback token) */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "not_found";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description the body is over 64 KiB */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description the body is not application/x-www-form-urlencoded */
            415: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `internal_error`: a bug; the log has the details */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "internal_error";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `store_unavailable`: Redis does not answer; safe to retry */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "store_unavailable";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
        };
    };
    twilioCallStatus: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                token: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/x-www-form-urlencoded": {
                    CallSid?: string;
                    CallStatus?: string;
                    SequenceNumber?: string;
                } & {
                    [key: string]: unknown;
                };
            };
        };
        responses: {
            /** @description Status taken (unknown calls and intermediate statuses too) */
            204: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `invalid_request`: the request is malformed (bad JSON, unknown or missing field, value out of range) */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `invalid_signature`: Invalid signature */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_signature";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `not_found`: no such route (or a wrong callback token) */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "not_found";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description the body is over 64 KiB */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description the body is not application/x-www-form-urlencoded */
            415: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `internal_error`: a bug; the log has the details */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "internal_error";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `store_unavailable`: Redis does not answer; safe to retry */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "store_unavailable";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
        };
    };
    smsruDeliveryCallback: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                token: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/x-www-form-urlencoded": {
                    [key: string]: string | string[];
                };
            };
        };
        responses: {
            /** @description Records taken (unknown ids too) */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    /** @example 100 */
                    "text/plain": "100";
                };
            };
            /** @description `invalid_request`: the request is malformed (bad JSON, unknown or missing field, value out of range) */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `not_found`: no such route (or a wrong callback token) */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "not_found";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description the body is over 64 KiB */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description the body is not application/x-www-form-urlencoded */
            415: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `internal_error`: a bug; the log has the details */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "internal_error";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `store_unavailable`: Redis does not answer; safe to retry */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "store_unavailable";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
        };
    };
    listFailedWebhooks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The failed events, newest first */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        events: {
                            /** @description The event id, also its webhook-id */
                            id: string;
                            type: string;
                            verificationId: string;
                            timestamp: string;
                            attempts: number;
                            /** @description HTTP status of the last attempt, null when none came */
                            lastStatus: number | null;
                            lastAttemptAt: string | null;
                        }[];
                    };
                };
            };
            /** @description `unauthorized`: missing or unknown API key */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "unauthorized";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `rate_limited`: a send, check or request limit; Retry-After says when to retry */
            429: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "rate_limited";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `internal_error`: a bug; the log has the details */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "internal_error";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `store_unavailable`: Redis does not answer; safe to retry */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "store_unavailable";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
        };
    };
    retryFailedWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The event id (webhook-id) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Queued again */
            202: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                    };
                };
            };
            /** @description `invalid_request`: the request is malformed (bad JSON, unknown or missing field, value out of range) */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `unauthorized`: missing or unknown API key */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "unauthorized";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `webhook_event_not_found`: not one of the client's failed webhook events (kept 7 days) */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "webhook_event_not_found";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description the body is over 64 KiB */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description a body was sent in a media type the service does not read (send none) */
            415: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "invalid_request";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `rate_limited`: a send, check or request limit; Retry-After says when to retry */
            429: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    "X-RateLimit-Limit": components["headers"]["X-RateLimit-Limit"];
                    "X-RateLimit-Remaining": components["headers"]["X-RateLimit-Remaining"];
                    "X-RateLimit-Reset": components["headers"]["X-RateLimit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "rate_limited";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `internal_error`: a bug; the log has the details */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "internal_error";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
            /** @description `store_unavailable`: Redis does not answer; safe to retry */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": {
                        /** @enum {string} */
                        code: "store_unavailable";
                    } & WithRequired<components["schemas"]["Problem"], "code">;
                };
            };
        };
    };
}
type WithRequired<T, K extends keyof T> = T & {
    [P in K]-?: T[P];
};
