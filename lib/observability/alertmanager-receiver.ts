import { SecretKeyRef } from './common';

/** Options of a generic webhook receiver. */
export interface WebhookReceiverOptions {
  /** Absolute http(s) URL Alertmanager POSTs alerts to. */
  readonly url: string;
  /** Bearer token sent as `Authorization: Bearer …`, read from a Secret file. @default - no authorization header */
  readonly bearerTokenSecret?: SecretKeyRef;
  /** Notify when alerts resolve. @default true */
  readonly sendResolved?: boolean;
}

/** Options of an e-mail receiver. */
export interface EmailReceiverOptions {
  /** Recipient address(es), comma-separated. */
  readonly to: string;
  /** Sender address. */
  readonly from: string;
  /** SMTP server `host:port`. */
  readonly smarthost: string;
  /** SMTP user. @default - no SMTP authentication */
  readonly authUsername?: string;
  /** SMTP password, mounted as a file (`auth_password_file`). Required with `authUsername`. @default - none */
  readonly authPasswordSecret?: SecretKeyRef;
  /** Require STARTTLS. @default true */
  readonly requireTls?: boolean;
  /** @default false */
  readonly sendResolved?: boolean;
}

/** Options of a WeChat Work application-message receiver (Alertmanager's `wechat_configs`). */
export interface WeChatReceiverOptions {
  /** Corp ID of the WeChat Work organisation. */
  readonly corpId: string;
  /** Agent ID of the application. */
  readonly agentId: string;
  /** Application secret. Alertmanager ≤ 0.27 has no `api_secret_file`, so an init container copies it into the rendered config (never into Git). */
  readonly apiSecret: SecretKeyRef;
  /** Party ID(s) to notify. @default - `toUser` or "@all" */
  readonly toParty?: string;
  /** User ID(s) to notify. @default "@all" when neither toParty nor toTag is set */
  readonly toUser?: string;
  /** Tag ID(s) to notify. @default - none */
  readonly toTag?: string;
  /** @default "https://qyapi.weixin.qq.com/cgi-bin/" */
  readonly apiUrl?: string;
  /** @default false */
  readonly sendResolved?: boolean;
}

/** Options of a WeChat Work group-robot receiver. */
export interface WeChatRobotReceiverOptions {
  /**
   * URL of the adapter Service that turns Alertmanager's webhook payload into
   * the robot's message format and posts it to `qyapi.weixin.qq.com/cgi-bin/webhook/send`.
   */
  readonly adapterUrl: string;
  /** The robot key; sent to the adapter as a bearer token read from a Secret file, never in a URL. */
  readonly robotKeySecret: SecretKeyRef;
  /** @default true */
  readonly sendResolved?: boolean;
}

export type ReceiverKind =
  | { readonly type: 'webhook'; readonly options: WebhookReceiverOptions }
  | { readonly type: 'email'; readonly options: EmailReceiverOptions }
  | { readonly type: 'wechat'; readonly options: WeChatReceiverOptions }
  | { readonly type: 'wechat-robot'; readonly options: WeChatRobotReceiverOptions }
  | { readonly type: 'null' };

/**
 * An Alertmanager receiver. Choose one with a static factory; secrets are
 * always references to existing Kubernetes Secrets.
 */
export class Receiver {
  /** A generic webhook (Alertmanager `webhook_configs`). */
  public static webhook(name: string, options: WebhookReceiverOptions): Receiver {
    return new Receiver(name, { type: 'webhook', options });
  }
  /** E-mail over SMTP (`email_configs`). */
  public static email(name: string, options: EmailReceiverOptions): Receiver {
    return new Receiver(name, { type: 'email', options });
  }
  /** WeChat Work application messages (`wechat_configs`). */
  public static wechat(name: string, options: WeChatReceiverOptions): Receiver {
    return new Receiver(name, { type: 'wechat', options });
  }
  /**
   * WeChat Work group robot through an adapter webhook: Alertmanager cannot
   * produce the robot's JSON format itself, so alerts go to an adapter
   * Service (e.g. a prometheus-webhook-to-wechat-robot deployment) with the
   * robot key as bearer token.
   */
  public static wechatRobot(name: string, options: WeChatRobotReceiverOptions): Receiver {
    return new Receiver(name, { type: 'wechat-robot', options });
  }
  /** A receiver that drops notifications (for routes that only silence). */
  public static blackhole(name: string): Receiver {
    return new Receiver(name, { type: 'null' });
  }

  private constructor(
    public readonly name: string,
    public readonly kind: ReceiverKind,
  ) {}
}
