using Microsoft.Extensions.Options;
using Orders.Sandbox.Webhooks;

namespace Orders.Sandbox.PayPal;

internal sealed class PayPalSandboxKnobs(IOptions<PayPalSandboxOptions> options) : WebhookKnobs<PayPalSandboxOptions>(options);
