using System.Globalization;
using Engine.Runtime;

namespace Engine.Training;

/// <summary>
/// Reads a schedule from text (the CLI's --schedule): <c>constant</c>, <c>step:EVERY:GAMMA</c>,
/// <c>exp:GAMMA</c>, <c>inv:DECAY</c>, <c>cosine[:MIN_LR]</c>, <c>cyclic:MAX_LR:HALF_CYCLE_STEPS</c>,
/// <c>stlr[:CUT_FRACTION[:RATIO]]</c>, and <c>warmup:STEPS+OTHER</c> in front of any of them.
/// </summary>
public static class ScheduleParser
{
    public const string Syntax = "constant | step:EVERY:GAMMA | exp:GAMMA | inv:DECAY | cosine[:MIN_LR] | cyclic:MAX_LR:HALF_STEPS | stlr[:CUT[:RATIO]] | warmup:STEPS+<schedule>";

    public static LrSchedule Parse(string text)
    {
        var s = text.Trim();
        int plus = s.IndexOf('+');
        if (s.StartsWith("warmup:", StringComparison.Ordinal) && plus > 0)
        {
            int steps = Int(text, s["warmup:".Length..plus], "warm-up steps", 1);
            return new WarmupSchedule(steps, Parse(s[(plus + 1)..]));
        }
        var parts = s.Split(':');
        string kind = parts[0];
        string Arg(int i, string what) => i < parts.Length ? parts[i] : throw Bad(text, $"{kind} needs {what}");
        if (parts.Length > 3) throw Bad(text, "too many ':' fields");
        return kind switch
        {
            "constant" when parts.Length == 1 => new ConstantSchedule(),
            "warmup" => new WarmupSchedule(Int(text, Arg(1, "STEPS"), "warm-up steps", 1), new ConstantSchedule()),
            "step" => new StepSchedule(Int(text, Arg(1, "EVERY (epochs)"), "EVERY", 1), Num(text, Arg(2, "GAMMA"), "GAMMA")),
            "exp" when parts.Length == 2 => new ExponentialSchedule(Num(text, Arg(1, "GAMMA"), "GAMMA")),
            "inv" when parts.Length == 2 => new InverseTimeSchedule(Num(text, Arg(1, "DECAY"), "DECAY")),
            "cosine" when parts.Length <= 2 => new CosineSchedule(parts.Length > 1 ? Num(text, parts[1], "MIN_LR") : 0),
            "cyclic" => new TriangularSchedule(Num(text, Arg(1, "MAX_LR"), "MAX_LR"), Int(text, Arg(2, "HALF_STEPS"), "HALF_STEPS", 1)),
            "stlr" => new SlantedTriangularSchedule(
                parts.Length > 1 ? Fraction(text, parts[1]) : 0.1,
                parts.Length > 2 ? Num(text, parts[2], "RATIO") : 32),
            _ => throw Bad(text, "unknown schedule"),
        };
    }

    private static double Num(string text, string s, string what) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v >= 0
            ? v : throw Bad(text, $"{what} should be a non-negative number, got '{s}'");

    private static double Fraction(string text, string s)
    {
        double v = Num(text, s, "CUT");
        return v is > 0 and < 1 ? v : throw Bad(text, $"CUT should be in (0, 1), got '{s}'");
    }

    private static int Int(string text, string s, string what, int min) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= min
            ? v : throw Bad(text, $"{what} should be an integer ≥ {min}, got '{s}'");

    private static EngineException Bad(string text, string why) => new($"schedule '{text}': {why} (expected {Syntax})");
}
