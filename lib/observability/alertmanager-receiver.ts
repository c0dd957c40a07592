import { ResourceProps, SecretKeyRef } from './common';

/**
 * Declares that a receiver's in-cluster host is deployed by something other
 * than this app (another app, a Helm chart): synth then does not require a
 * matching Service in the output.
 */
export interface ExternalTarget {
  /**
   * Skip the check that an in-cluster host (`<name>.<namespace>.svc`,
   * `<name>.<namespace>`, `<name>`) names a Service this app deploys.
   * Hosts outside the cluster (`smtp.example.com`) are never checked.
   * @default false
   */
  readonly external?: boolean;
}

/** Options of a generic webhook receiver. */
export interface WebhookReceiverOptions extends ExternalTarget {
  /** Absolute http(s) URL Alertmanager POSTs alerts to. */
  readonly url: string;
  /** Bearer token sent as `Authorization: Bearer …`, read from a Secret file. @default - no authorization header */
  readonly bearerTokenSecret?: SecretKeyRef;
  /** Notify when alerts resolve. @default true */
  readonly sendResolved?: boolean;
}

/** Options of an e-mail receiver. */
export interface EmailReceiverOptions extends ExternalTarget {
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

/**
 * Options of a WeChat Work application-message receiver (Alertmanager's `wechat_configs`).
 *
 * WeChat Work applications created after mid-2022 only answer API calls from
 * the application's trusted IPs (企业可信IP, errcode 60020 otherwise;
 * prometheus/alertmanager#3036): add the cluster's egress IP(s) under the
 * application's "企业可信IP" setting in the WeChat Work admin console before
 * relying on this receiver.
 */
export interface WeChatReceiverOptions extends ExternalTarget {
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

/** The adapter the Alertmanager construct deploys for a WeChat Work group-robot receiver. */
export interface WeChatRobotAdapterOptions {
  /** Name of its Deployment and Service. @default "wechat-robot-<receiver name>" (lower-cased, DNS-safe) */
  readonly name?: string;
  /** @default - the Alertmanager's `wechatRobotAdapterImage` (docker.io/feiyu563/prometheus-alert:v4.9.1) */
  readonly image?: string;
  /** @default { cpuRequest: "20m", memoryRequest: "64Mi", memoryLimit: "128Mi", cpuLimit: "200m" } */
  readonly resources?: ResourceProps;
}

/** Options of a WeChat Work group-robot receiver. */
export interface WeChatRobotReceiverOptions {
  /**
   * The robot key (the `key=` value of the robot's webhook URL), in a Secret in
   * Alertmanager's namespace. Only the adapter mounts it (optional: a missing
   * Secret stops nothing from starting; the adapter logs it).
   */
  readonly robotKeySecret: SecretKeyRef;
  /** The adapter Deployment. @default - see WeChatRobotAdapterOptions */
  readonly adapter?: WeChatRobotAdapterOptions;
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
   * WeChat Work group robot: Alertmanager cannot produce the robot's message
   * format, so the Alertmanager construct deploys an adapter
   * (`WeChatRobotAdapter`, PrometheusAlert) holding the robot key, and its
   * webhook posts to that adapter.
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
