using System.Reflection;
using GlobalBrain.Grains.Experts;
using Microsoft.Extensions.Logging;

namespace GlobalBrain.Grains.Tests.Hosting;

/// <summary>Every log line of the grains has its own event id, in a range of 100 that belongs to the class that logs it.</summary>
public sealed class LogEventIdsTests
{
    [Fact]
    public void EveryLogMessage_HasAnEventId_InItsClassOwnRangeOf100()
    {
        var messages = typeof(ExpertGrain).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .Select(m => (Name: $"{m.Method.DeclaringType!.Name}.{m.Method.Name}", Class: m.Method.DeclaringType!.FullName!, m.Attribute!.EventId))
            .ToList();

        Assert.NotEmpty(messages);
        Assert.All(messages, m => Assert.InRange(m.EventId, 1000, 1999));
        Assert.Equal(messages.Count, messages.Select(m => m.EventId).Distinct().Count());
        var rangesByClass = messages.GroupBy(m => m.Class).ToDictionary(g => g.Key, g => g.Select(m => m.EventId / 100).Distinct().ToList());
        Assert.All(rangesByClass, c => Assert.True(c.Value.Count == 1, $"{c.Key} logs with event ids in more than one range of 100"));
        Assert.Equal(rangesByClass.Count, rangesByClass.Values.Select(r => r[0]).Distinct().Count());
    }
}
