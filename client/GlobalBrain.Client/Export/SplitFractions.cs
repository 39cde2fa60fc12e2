using System.Globalization;

namespace GlobalBrain.Client.Export;

/// <summary>The share of documents that goes to each split; each in [0, 1], together 1.</summary>
public sealed record SplitFractions
{
    private const double SumTolerance = 1e-9;
    private const string ExpectedForm = "three numbers train,dev,test between 0 and 1 that add up to 1, e.g. 0.8,0.1,0.1";

    public SplitFractions(double train = 0.8, double dev = 0.1, double test = 0.1)
    {
        RequireInRange(train, "train");
        RequireInRange(dev, "dev");
        RequireInRange(test, "test");
        var sum = train + dev + test;
        if (Math.Abs(sum - 1) > SumTolerance)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"split fractions must add up to 1, but {train:R} + {dev:R} + {test:R} = {sum:R}; expected {ExpectedForm}"));
        }

        Train = train;
        Dev = dev;
        Test = test;
    }

    /// <summary>80 % train, 10 % dev, 10 % test.</summary>
    public static SplitFractions Default { get; } = new();

    public double Train { get; }

    public double Dev { get; }

    public double Test { get; }

    /// <summary>Parses a command-line value such as <c>0.8,0.1,0.1</c> (train,dev,test).</summary>
    /// <exception cref="FormatException">The value is not three comma-separated numbers.</exception>
    /// <exception cref="ArgumentException">A fraction is outside [0, 1], or they do not add up to 1.</exception>
    public static SplitFractions Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var parts = value.Split(',');
        if (parts.Length != 3)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture,
                $"split fractions '{value}' have {parts.Length} part(s); expected {ExpectedForm}"));
        }

        return new SplitFractions(ParsePart(value, parts[0], "train"), ParsePart(value, parts[1], "dev"), ParsePart(value, parts[2], "test"));
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Train:R},{Dev:R},{Test:R}");

    private static double ParsePart(string value, string part, string name)
    {
        if (double.TryParse(part.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var fraction))
        {
            return fraction;
        }

        throw new FormatException($"split fractions '{value}': the {name} fraction '{part.Trim()}' is not a number; expected {ExpectedForm}");
    }

    private static void RequireInRange(double fraction, string name)
    {
        if (!(fraction >= 0 && fraction <= 1))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"the {name} split fraction is {fraction:R}, outside [0, 1]; expected {ExpectedForm}"));
        }
    }
}
