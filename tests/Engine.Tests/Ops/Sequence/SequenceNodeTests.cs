using Engine.Onnx.Conformance;
using Engine.Tests.Support;

namespace Engine.Tests.Ops;

/// <summary>
/// The official ONNX node tests whose single op is one of the sequence ops (RNN, GRU, LSTM,
/// Attention, RotaryEmbedding), imported and run through the reference executor. The *_expanded
/// variants decompose into primitives and are left to the suite-wide regression test.
/// </summary>
public class SequenceNodeTests
{
    private static readonly System.Text.RegularExpressions.Regex Mine =
        new("^test_(attention|rotary_embedding|simple_rnn|rnn_|gru_|lstm_)", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    public static IEnumerable<object[]> Cases() =>
        Directory.GetDirectories(Paths.SharedPath("onnx", "node"))
            .Select(Path.GetFileName)
            .Where(n => Mine.IsMatch(n!) && !n!.Contains("_expanded", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => new object[] { n! });

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesReferenceOutputs(string test)
    {
        var c = ConformanceCase.Discover([Paths.SharedPath("onnx", "node", test)]).Single();
        var result = new ConformanceRunner { Parallelism = 1 }.Run(c);
        Assert.True(result.Status == ConformanceStatus.Passed, $"{test}: {result.Status} {result.Reason}");
    }
}
