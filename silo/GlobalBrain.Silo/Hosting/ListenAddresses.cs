using System.Net;

namespace GlobalBrain.Silo.Hosting;

/// <summary>Where Kestrel will listen, read from the settings before it starts, and whether that reaches beyond this machine.</summary>
internal static class ListenAddresses
{
    /// <summary>
    /// The API's URLs: <c>urls</c> (<c>--urls</c>, <c>ASPNETCORE_URLS</c>; default <see cref="SiloHostingExtensions.DefaultUrl"/>)
    /// and any <c>Kestrel:Endpoints:*:Url</c>, which Kestrel takes instead when set.
    /// </summary>
    public static IReadOnlyList<string> Of(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var urls = Split(string.IsNullOrEmpty(configuration["urls"]) ? SiloHostingExtensions.DefaultUrl : configuration["urls"]!);
        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren()
            .Select(e => e["Url"])
            .Where(u => !string.IsNullOrWhiteSpace(u))
            .Select(u => u!.Trim())
            .ToList();
        return [.. urls, .. endpoints];
    }

    public static List<string> Split(string urls) =>
        [.. urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>
    /// True unless the URL binds loopback only (<c>localhost</c>, 127.0.0.0/8, <c>[::1]</c>) or a Unix socket.
    /// Kestrel binds every interface for <c>*</c>, <c>+</c>, <c>0.0.0.0</c>, <c>[::]</c> and for any host name
    /// other than localhost; a URL that cannot be read counts as beyond loopback, to be safe.
    /// </summary>
    public static bool IsBeyondLoopback(string url)
    {
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return true;
        }

        if (address.IsUnixPipe)
        {
            return false;
        }

        if (string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return !(IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
    }

    /// <summary>The TCP port of a URL (80/443 by scheme when it names none), or null for a Unix socket or a URL that cannot be read.</summary>
    public static int? Port(string url)
    {
        try
        {
            var address = BindingAddress.Parse(url);
            return address.IsUnixPipe ? null : address.Port;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
