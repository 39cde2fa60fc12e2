using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GlobalBrain.Grains.Hosting;

/// <summary>
/// Runs the options validation a host runs when it starts (every section registered with
/// ValidateOnStart), before it starts: the silo and the CLI's embedded silo turn the problems into
/// one line each and exit code 2, instead of a logged stack trace.
/// </summary>
public static class StartupSettings
{
    /// <summary>Every problem with the validated settings, each naming the setting and its environment variable; empty when none.</summary>
    public static IReadOnlyList<string> Problems(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        try
        {
            services.GetService<IStartupValidator>()?.Validate();
            return [];
        }
        catch (OptionsValidationException e)
        {
            return [.. e.Failures];
        }
        catch (AggregateException e) when (e.InnerExceptions.All(i => i is OptionsValidationException or InvalidOperationException))
        {
            return [.. e.InnerExceptions.SelectMany(i => i is OptionsValidationException v ? v.Failures : [SettingFormats.DescribeBindingFailure((InvalidOperationException)i)])];
        }
        catch (InvalidOperationException e)
        {
            // A value of the wrong type in a section no format check covered.
            return [SettingFormats.DescribeBindingFailure(e)];
        }
    }
}
