using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace GlobalBrain.Testing;

/// <summary>
/// A server the tests start as its own process: its output kept for failure messages (and drained, so a
/// chatty server never blocks on a full pipe), a wait for an HTTP readiness endpoint, and a stop by PID.
/// </summary>
public sealed partial class ServerProcess : IDisposable
{
    private const int SigTerm = 15;
    private const int SigStop = 19;
    private const int SigCont = 18;

    private readonly string _name;
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private ServerProcess(string name, Process process)
    {
        _name = name;
        _process = process;
    }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static ServerProcess Start(string name, string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {name}");
        var server = new ServerProcess(name, process);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Polls <paramref name="path"/> until it answers with success; throws with the server's output if it exits or the time runs out.</summary>
    public Task WaitUntilReadyAsync(HttpClient http, string path, TimeSpan timeout) =>
        Poll.WaitForAsync(
            $"{_name} to answer {path}",
            async () =>
            {
                if (_process.HasExited)
                {
                    await DrainOutputAsync();
                    throw new InvalidOperationException($"{_name} exited with code {_process.ExitCode}:\n{Log}");
                }

                try
                {
                    using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
                    return response.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false; // Not listening yet.
                }
                catch (TaskCanceledException)
                {
                    return false; // Slow to answer on a loaded machine.
                }
            },
            timeout,
            TimeSpan.FromMilliseconds(250),
            () => Log);

    /// <summary>Asks the server to stop (SIGTERM, as Kubernetes and systemd do) and waits for it to exit.</summary>
    /// <returns>The exit code.</returns>
    public async Task<int> StopGracefullyAsync(TimeSpan timeout)
    {
        if (!_process.HasExited && Kill(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"could not signal {_name} (pid {_process.Id}): errno {Marshal.GetLastPInvokeError()}");
        }

        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{_name} did not stop within {timeout.TotalSeconds:F0} s of SIGTERM:\n{Log}");
        }

        return _process.ExitCode;
    }

    /// <summary>Freezes the server (SIGSTOP): its sockets stay open and nothing answers, as a stalled host.</summary>
    public void Pause() => Signal(SigStop);

    /// <summary>Lets a paused server go on (SIGCONT): it works through what queued up meanwhile.</summary>
    public void Resume() => Signal(SigCont);

    private void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"could not signal {_name} (pid {_process.Id}): errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Kills the server at once (SIGKILL: no shutdown code runs), as a crashed host would.</summary>
    public void KillAbruptly()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit(10_000);
    }

    /// <summary>Waits for the process to end by itself.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{_name} still runs after {timeout.TotalSeconds:F0} s:\n{Log}");
        }

        return _process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    // An exited process's last lines may still be on their way to Append: WaitForExitAsync also waits for the end of its output.
    private async Task DrainOutputAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            // A child still holds the pipe: the output so far will do.
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
