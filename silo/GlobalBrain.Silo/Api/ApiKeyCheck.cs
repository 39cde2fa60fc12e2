using System.Security.Cryptography;
using System.Text;
using GlobalBrain.Silo.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace GlobalBrain.Silo.Api;

/// <summary>
/// Checks the API key of a request (<c>Authorization: Bearer KEY</c> or <c>X-Api-Key: KEY</c>) against
/// GlobalBrain:Api:Key. Both sides are compared as SHA-256 digests with a constant-time comparison, so
/// neither the time taken nor an early exit tells a caller how much of a guess, or its length, was right.
/// </summary>
public sealed partial class ApiKeyCheck(IOptions<GlobalBrainApiOptions> options, ILogger<ApiKeyCheck> logger)
{
    public const string HeaderName = "X-Api-Key";

    private readonly byte[]? _digest = options.Value.KeyOrNull is { } key ? SHA256.HashData(Encoding.UTF8.GetBytes(key)) : null;

    /// <summary>Whether requests need a key (one is configured).</summary>
    public bool Required => _digest is not null;

    /// <summary>Null when the request may go on, else why not (for the 401 answer; it never holds what was sent).</summary>
    public string? Refusal(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_digest is null)
        {
            return null;
        }

        var presented = false;
        var match = false;
        foreach (var candidate in Candidates(request))
        {
            presented = true;
            match |= Matches(candidate);
        }

        if (match)
        {
            return null;
        }

        var why = presented
            ? "the API key is not valid"
            : $"an API key is required: send it as 'Authorization: Bearer KEY' or '{HeaderName}: KEY' (the silo's GlobalBrain:Api:Key)";
        if (logger.IsEnabled(LogLevel.Debug))
        {
            var remote = request.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "?";
            var path = request.Path.Value ?? "/";
            LogRefused(logger, request.Method, path, remote, presented ? "wrong key" : "no key");
        }

        return why;
    }

    private bool Matches(string candidate)
    {
        // Keys are at most a few KB; anything longer cannot match and is not worth hashing.
        if (candidate.Length > GlobalBrainApiOptions.MaxKeyLength)
        {
            return false;
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        var bytes = Encoding.UTF8.GetBytes(candidate);
        SHA256.HashData(bytes, digest);
        return CryptographicOperations.FixedTimeEquals(digest, _digest);
    }

    private static IEnumerable<string> Candidates(HttpRequest request)
    {
        foreach (var value in Values(request.Headers.Authorization))
        {
            var trimmed = value.Trim();
            if (trimmed.Length > 7 && trimmed.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                yield return trimmed[7..].Trim();
            }
        }

        foreach (var value in Values(request.Headers[HeaderName]))
        {
            yield return value.Trim();
        }
    }

    private static IEnumerable<string> Values(StringValues values)
    {
        foreach (var value in values)
        {
            if (!string.IsNullOrEmpty(value))
            {
                yield return value;
            }
        }
    }

    // Log event ids 2200–2299: one range of 100 per class that logs (grains 1000–1999, silo 2000–2999).
    [LoggerMessage(EventId = 2200, Level = LogLevel.Debug, Message = "Refused {Method} {Path} from {Remote}: {Why}")]
    private static partial void LogRefused(ILogger logger, string method, string path, string remote, string why);
}

/// <summary>Answers 401 (JSON error, <c>WWW-Authenticate: Bearer</c>) to a request to the API without the right key.</summary>
internal sealed class ApiKeyFilter(ApiKeyCheck check) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (check.Refusal(context.HttpContext.Request) is { } why)
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer realm=\"globalbrain\"";
            return Results.Json(new ApiError(why), statusCode: StatusCodes.Status401Unauthorized);
        }

        return await next(context);
    }
}
