using Microsoft.Extensions.Options;
using Orders.Sandbox.Webhooks;

namespace Orders.Sandbox.Stripe;

internal sealed class StripeSandboxKnobs(IOptions<StripeSandboxOptions> options) : WebhookKnobs<StripeSandboxOptions>(options);
