// A small client written against the types openapi-typescript generates from the service's document
// (tools/openapi/check). It only has to compile: if the document stops describing checkout or the
// order status the way a client needs, this stops compiling and CI fails.
import type { components, paths } from "./generated/orders-api";

type CheckoutRequest = components["schemas"]["CheckoutRequest"];
type Checkout = paths["/api/checkout"]["post"];
type CheckoutCreated = Checkout["responses"][201]["content"]["application/json"];
type ValidationProblem = Checkout["responses"][400]["content"]["application/problem+json"];
type Problem = Checkout["responses"][503]["content"]["application/problem+json"];
type OrderStatus = paths["/api/orders/{orderNumber}"]["get"];
type OrderView = OrderStatus["responses"][200]["content"]["application/json"];

export type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; status: number; problem: ValidationProblem | Problem };

export async function startCheckout(baseUrl: string, request: CheckoutRequest, idempotencyKey: string): Promise<Outcome<CheckoutCreated>> {
  const response = await fetch(`${baseUrl}/api/checkout`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Idempotency-Key": idempotencyKey },
    body: JSON.stringify(request),
  });
  if (response.status === 201) {
    return { ok: true, value: (await response.json()) as CheckoutCreated };
  }
  return { ok: false, status: response.status, problem: (await response.json()) as ValidationProblem | Problem };
}

export async function orderStatus(baseUrl: string, orderNumber: OrderStatus["parameters"]["path"]["orderNumber"], token: string): Promise<Outcome<OrderView>> {
  const query: NonNullable<OrderStatus["parameters"]["query"]> = { token };
  const response = await fetch(`${baseUrl}/api/orders/${encodeURIComponent(orderNumber)}?token=${encodeURIComponent(query.token ?? "")}`);
  if (response.status === 200) {
    return { ok: true, value: (await response.json()) as OrderView };
  }
  return { ok: false, status: response.status, problem: (await response.json()) as Problem };
}

// What the document promises a caller: the field names, a numeric quantity, the providers by name.
export const example: CheckoutRequest = {
  sku: "APP-PRO",
  quantity: 2,
  email: "buyer@example.com",
  licenseeName: "Example Ltd",
  provider: "paypal",
};

// @ts-expect-error a quantity is a JSON number, not a string
export const quantityAsText: CheckoutRequest = { ...example, quantity: "2" };

// @ts-expect-error only the providers the service takes
export const unknownProvider: CheckoutRequest = { ...example, provider: "bitcoin" };

export function describe(order: OrderView): string {
  const seats: number = order.quantity;
  const keys = order.licenses.filter((license) => license.status === "active").map((license) => license.key);
  return `${order.orderNumber}: ${order.summary} (${seats} seats${keys.length > 0 ? `; ${keys.join(", ")}` : ""})`;
}

// A 400 names the fields the caller sent.
export function invalidFields(problem: ValidationProblem): string[] {
  return Object.keys(problem.errors ?? {});
}
