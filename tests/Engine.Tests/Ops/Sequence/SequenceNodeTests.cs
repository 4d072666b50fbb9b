using Engine.Graph;

namespace Engine.Tests.Ops;

/// <summary>
/// The official ONNX node tests of the sequence ops, run straight through the kernels (the
/// importer-based conformance runner covers the full path). Skipped when the suite is absent.
/// </summary>
public class SequenceNodeTests
{
    public static IEnumerable<object[]> Cases()
    {
        var root = OnnxNodeCase.Root();
        if (root is null) yield break;
        foreach (var dir in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(dir);
            if (name.EndsWith("_expanded", StringComparison.Ordinal) || name.Contains("_expanded_ver", StringComparison.Ordinal)) continue;
            if (System.Text.RegularExpressions.Regex.IsMatch(name, "^test_(attention|rotary_embedding|simple_rnn|rnn_|gru_|lstm_)"))
                yield return [name];
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesReferenceOutputs(string test)
    {
        var c = OnnxNodeCase.Load(Path.Combine(OnnxNodeCase.Root()!, test));
        var problems = c.Run(OpRegistry.Default);
        Assert.True(problems.Count == 0, test + ": " + string.Join("; ", problems));
    }
}
