using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using GlobalBrain.Silo.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace GlobalBrain.Silo.Tests.Hosting;

/// <summary>The metrics port's own server: HTTP as Prometheus and probes speak it, and answers while the thread pool is saturated.</summary>
public sealed class MetricsPortServerTests
{
    private static readonly RequestDelegate Exposition = context =>
    {
        context.Response.ContentType = "text/plain; version=0.0.4";
        var body = Encoding.UTF8.GetBytes($"metric_path{{path=\"{context.Request.Path}\"}} 1\n");
        return context.Response.Body.WriteAsync(body).AsTask();
    };

    [Fact]
    public void AScrape_IsAnswered_WhileEveryThreadOfThePoolIsBlocked()
    {
        using var server = Start();
        using var pool = new BlockedThreadPool();
        var watch = Stopwatch.StartNew();
        using var client = Connect(server);
        var response = Exchange(client, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        watch.Stop();

        Assert.StartsWith("HTTP/1.1 200", response.Head, StringComparison.Ordinal);
        Assert.Equal("metric_path{path=\"/metrics\"} 1\n", response.Body);
        Assert.True(pool.Saturated, "the thread pool was not saturated, so the test proves nothing");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"the scrape took {watch.Elapsed.TotalMilliseconds:F0} ms with the pool blocked");
    }

    [Fact]
    public void KeepAlive_ServesRequestsInTurn_OnOneConnection_AndHeadSendsNoBody()
    {
        using var server = Start();
        using var client = Connect(server);

        var first = Exchange(client, "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: text/plain\r\n\r\n");
        var head = Exchange(client, "HEAD /healthz/live HTTP/1.1\r\nHost: x\r\n\r\n", expectBody: false);
        var second = Exchange(client, "GET /healthz/ready?verbose=1 HTTP/1.1\r\nHost: x\r\n\r\n");

        Assert.Contains("Connection: keep-alive", first.Head, StringComparison.Ordinal);
        Assert.Contains("Content-Type: text/plain; version=0.0.4", first.Head, StringComparison.Ordinal);
        Assert.Equal("metric_path{path=\"/metrics\"} 1\n", first.Body);
        Assert.StartsWith("HTTP/1.1 200", head.Head, StringComparison.Ordinal);
        Assert.Contains($"Content-Length: {"metric_path{path=\"/healthz/live\"} 1\n".Length}", head.Head, StringComparison.Ordinal);
        Assert.Equal("metric_path{path=\"/healthz/ready\"} 1\n", second.Body);
    }

    [Theory]
    [InlineData("GET /v1/documents HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 404")]
    [InlineData("POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 405")]
    [InlineData("POST /v1/documents HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n[]", "HTTP/1.1 404")]
    [InlineData("GET /metrics\r\n\r\n", "HTTP/1.1 400")]
    [InlineData("GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n", "HTTP/1.1 400")]
    public void WhatThePortDoesNotServe_IsRefused_WithAStatus(string request, string status)
    {
        using var server = Start();
        using var client = Connect(server);

        var response = Exchange(client, request);

        Assert.StartsWith(status, response.Head, StringComparison.Ordinal);
    }

    [Fact]
    public void HeadersOver16KB_Get431_AndTheConnectionCloses()
    {
        using var server = Start();
        using var client = Connect(server);

        var response = Exchange(client, "GET /metrics HTTP/1.1\r\nX-Big: " + new string('a', 20_000) + "\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 431", response.Head, StringComparison.Ordinal);
        Assert.Contains("Connection: close", response.Head, StringComparison.Ordinal);
        // Closed: an end of stream, or a reset (the server does not read the rest of what it refused).
        try
        {
            Assert.Equal(0, client.Receive(new byte[16]));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
        }
    }

    [Fact]
    public void APortInUse_IsASettingsError_ThatNamesTheSetting()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        var port = ((IPEndPoint)taken.LocalEndPoint!).Port;

        var e = Assert.Throws<InvalidSettingsException>(() => MetricsPortServer.Start("127.0.0.1", port, Exposition, new ServiceCollection().BuildServiceProvider(), NullLogger.Instance));

        Assert.Contains("GlobalBrain__Metrics__Port", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost", "127.0.0.1")]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("[::1]", "::1")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    public void TheInterface_IsTheApis(string host, string address) =>
        Assert.Equal(IPAddress.Parse(address), Assert.Single(MetricsPortServer.EndpointsOf(host, 9464)).Address);

    private static MetricsPortServer Start() =>
        MetricsPortServer.Start("127.0.0.1", 0, Exposition, new ServiceCollection().BuildServiceProvider(), NullLogger.Instance);

    private static Socket Connect(MetricsPortServer server)
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 10_000 };
        client.Connect(server.Endpoints[0]);
        return client;
    }

    /// <summary>Sends one request and reads one response (its head, then Content-Length bytes of body unless <paramref name="expectBody"/> is false).</summary>
    private static (string Head, string Body) Exchange(Socket client, string request, bool expectBody = true)
    {
        client.Send(Encoding.Latin1.GetBytes(request));
        var received = new List<byte>();
        var buffer = new byte[4096];
        int headEnd;
        while ((headEnd = IndexOfHeaderEnd(received)) < 0)
        {
            var read = client.Receive(buffer);
            Assert.True(read > 0, "the server closed the connection before answering");
            received.AddRange(buffer.AsSpan(0, read));
        }

        var head = Encoding.Latin1.GetString([.. received.Take(headEnd)]);
        var length = head.Split("\r\n").Where(l => l.StartsWith("Content-Length: ", StringComparison.Ordinal)).Select(l => int.Parse(l[16..], System.Globalization.CultureInfo.InvariantCulture)).Single();
        var bodyBytes = received.Skip(headEnd + 4).ToList();
        while (expectBody && bodyBytes.Count < length)
        {
            var read = client.Receive(buffer);
            Assert.True(read > 0, "the server closed the connection inside a body");
            bodyBytes.AddRange(buffer.AsSpan(0, read));
        }

        return (head, Encoding.UTF8.GetString([.. bodyBytes]));
    }

    private static int IndexOfHeaderEnd(List<byte> bytes)
    {
        for (var i = 0; i + 3 < bytes.Count; i++)
        {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n')
            {
                return i;
            }
        }

        return -1;
    }
}
