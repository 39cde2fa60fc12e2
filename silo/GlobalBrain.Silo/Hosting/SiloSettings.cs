using GlobalBrain.Grains.Hosting;

namespace GlobalBrain.Silo.Hosting;

/// <summary>The silo's own settings sections, beside the grains' (<see cref="SettingFormats.GrainSections"/>).</summary>
internal static class SiloSettings
{
    public static readonly IReadOnlyList<(string Section, Type Options)> Sections =
    [
        (GlobalBrainClusterOptions.SectionName, typeof(GlobalBrainClusterOptions)),
        (GlobalBrainStorageOptions.SectionName, typeof(GlobalBrainStorageOptions)),
        (GlobalBrainApiOptions.SectionName, typeof(GlobalBrainApiOptions)),
    ];

    /// <summary>What a value of a silo setting looks like, where its type alone says too little.</summary>
    public static readonly IReadOnlyDictionary<string, string> Expectations = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["GlobalBrain:Cluster:SiloPort"] = "a TCP port from 1 to 65535",
        ["GlobalBrain:Cluster:GatewayPort"] = "a TCP port from 1 to 65535",
        ["GlobalBrain:Cluster:PrimarySiloPort"] = "a TCP port from 1 to 65535",
        ["GlobalBrain:Api:MaxBodyBytes"] = $"a whole number of bytes from 1024 to {GlobalBrainApiOptions.MaxBodyBytesLimit}",
    };

    /// <summary>Registers the silo's sections, each with its validator, checked when the host starts.</summary>
    /// <param name="apiUrls">Where the HTTP API listens as configured (<see cref="ListenAddresses.Of"/>), before the metrics port is added to them.</param>
    public static IServiceCollection AddSiloOptions(this IServiceCollection services, IReadOnlyList<string> apiUrls)
    {
        services.AddSingleton(new ApiListenUrls(apiUrls));
        services.AddValidatedOptions<GlobalBrainClusterOptions, ClusterOptionsValidator>(GlobalBrainClusterOptions.SectionName);
        services.AddValidatedOptions<GlobalBrainStorageOptions, StorageOptionsValidator>(GlobalBrainStorageOptions.SectionName);
        services.AddValidatedOptions<GlobalBrainApiOptions, ApiOptionsValidator>(GlobalBrainApiOptions.SectionName);
        return services;
    }

    /// <summary>
    /// A section's values read before the host is built, where they decide what is wired (providers,
    /// ports) or a validator needs another section; <see cref="SettingFormats"/> has ruled out values
    /// their types cannot hold, so binding does not throw.
    /// </summary>
    public static T Read<T>(IConfiguration configuration, string section)
        where T : new() => configuration.GetSection(section).Get<T>() ?? new T();
}

/// <summary>Where the HTTP API listens as configured: beyond loopback it needs a key, and the metrics port must differ.</summary>
internal sealed record ApiListenUrls(IReadOnlyList<string> Urls);
