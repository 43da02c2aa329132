using Microsoft.Extensions.Options;

namespace Orders.Api.Hosting;

// Every feature validates its own settings (ValidateOnStart, Production-only rules included). They
// are checked here, right after the app is built, so that nothing (migrations, generated keys, a
// staff command) runs on settings that will refuse to start; in Production every problem is
// reported in one message that says which settings to set.
internal static class SettingsValidation
{
    public const string ProductionRefusal = "Refusing to start in Production: ";

    public static WebApplication RefuseInvalidSettings(this WebApplication app)
    {
        try
        {
            app.Services.GetService<IStartupValidator>()?.Validate();
        }
        catch (Exception e) when (app.Environment.IsProduction() && Failures(e) is { Count: > 0 } failures)
        {
            throw new InvalidOperationException(ProductionRefusal + string.Join("; ", failures) + ".", e);
        }

        return app;
    }

    // The validator throws one OptionsValidationException, or an AggregateException of several.
    private static List<string> Failures(Exception e) =>
        [.. (e is AggregateException all ? all.InnerExceptions : [e])
            .OfType<OptionsValidationException>()
            .SelectMany(v => v.Failures)
            .Select(f => f.TrimEnd('.'))];
}
