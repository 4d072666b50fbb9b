namespace Engine.Runtime.Kernels;

/// <summary>
/// A parsed Einsum equation bound to concrete input shapes. Every subscript letter and every
/// ellipsis dimension becomes a label with one size; each input gets a stride per label (the sum
/// of its axes' strides for repeated letters, i.e. a diagonal; 0 where the label is absent or a
/// size-1 dim broadcasts). The output lists its labels in order; all other labels are summed.
/// </summary>
public sealed class EinsumEquation
{
    public int[] LabelSizes { get; private init; } = [];

    /// <summary>Output labels in output axis order.</summary>
    public int[] OutputLabels { get; private init; } = [];

    /// <summary>Labels that are summed over (not in the output).</summary>
    public int[] SumLabels { get; private init; } = [];

    /// <summary>[input][label] element stride.</summary>
    public long[][] Strides { get; private init; } = [];

    /// <summary>[input][axis] label of each input axis.</summary>
    public int[][] InputAxisLabels { get; private init; } = [];

    public int[] OutputShape => OutputLabels.Select(l => LabelSizes[l]).ToArray();

    private const int LetterCount = 52;

    private static int LetterId(char c) => c is >= 'a' and <= 'z' ? c - 'a' + 26 : c is >= 'A' and <= 'Z' ? c - 'A' : -1;

    /// <summary>Parses <paramref name="equation"/> for inputs of the given shapes; throws a one-line error on misuse.</summary>
    public static EinsumEquation Parse(string equation, IReadOnlyList<int[]> shapes, Func<string, Exception> fail)
    {
        string eq = equation.Replace(" ", "", StringComparison.Ordinal);
        int arrow = eq.IndexOf("->", StringComparison.Ordinal);
        string lhs = arrow >= 0 ? eq[..arrow] : eq;
        string? rhs = arrow >= 0 ? eq[(arrow + 2)..] : null;
        var terms = lhs.Split(',');
        if (terms.Length != shapes.Count)
            throw fail($"equation '{equation}' has {terms.Length} input terms but the node has {shapes.Count} inputs");

        // Parse each term into a list of letter ids with -1 standing for the ellipsis.
        var parsed = new List<int>[terms.Length];
        int ellipsisRank = 0;
        var ellipsisRanks = new int[terms.Length];
        for (int t = 0; t < terms.Length; t++)
        {
            parsed[t] = ParseTerm(terms[t], equation, fail);
            int letters = parsed[t].Count(x => x >= 0);
            bool hasEllipsis = parsed[t].Contains(-1);
            int rank = shapes[t].Length;
            if (hasEllipsis ? letters > rank : letters != rank)
                throw fail($"term '{terms[t]}' of '{equation}' does not match input {t} of rank {rank}");
            ellipsisRanks[t] = hasEllipsis ? rank - letters : 0;
            ellipsisRank = Math.Max(ellipsisRank, ellipsisRanks[t]);
        }

        // Labels: 0..51 letters, 52.. ellipsis dims (right-aligned across inputs, numpy style).
        int labelCount = LetterCount + ellipsisRank;
        var sizes = Enumerable.Repeat(-1, labelCount).ToArray();
        var axisLabels = new int[terms.Length][];
        var counts = new int[labelCount];
        for (int t = 0; t < terms.Length; t++)
        {
            var labels = new List<int>();
            foreach (int x in parsed[t])
            {
                if (x >= 0) labels.Add(x);
                else for (int e = 0; e < ellipsisRanks[t]; e++) labels.Add(LetterCount + ellipsisRank - ellipsisRanks[t] + e);
            }
            axisLabels[t] = labels.ToArray();
            for (int ax = 0; ax < labels.Count; ax++)
            {
                int l = labels[ax], d = shapes[t][ax];
                counts[l]++;
                // Size-1 dims broadcast (numpy does this for letters as well as for the ellipsis).
                if (sizes[l] == -1 || sizes[l] == 1) sizes[l] = d;
                else if (sizes[l] != d && d != 1)
                    throw fail($"dimension '{LabelName(l)}' of '{equation}' is {sizes[l]} in one place and {d} in another");
            }
        }

        int[] output;
        if (rhs is not null)
        {
            var outTerm = ParseTerm(rhs, equation, fail);
            var list = new List<int>();
            foreach (int x in outTerm)
            {
                if (x < 0)
                {
                    for (int e = 0; e < ellipsisRank; e++) list.Add(LetterCount + e);
                    continue;
                }
                if (counts[x] == 0) throw fail($"output subscript '{LabelName(x)}' of '{equation}' does not appear in any input");
                if (list.Contains(x)) throw fail($"output subscript '{LabelName(x)}' of '{equation}' is repeated");
                list.Add(x);
            }
            output = list.ToArray();
        }
        else
        {
            // Implicit output: ellipsis dims, then letters used exactly once, in alphabetical (ASCII) order.
            var list = new List<int>();
            for (int e = 0; e < ellipsisRank; e++) list.Add(LetterCount + e);
            list.AddRange(Enumerable.Range(0, LetterCount).Where(l => counts[l] == 1));
            output = list.ToArray();
        }

        var sum = Enumerable.Range(0, labelCount).Where(l => counts[l] > 0 && !output.Contains(l)).ToArray();
        for (int l = 0; l < labelCount; l++) if (sizes[l] < 0) sizes[l] = 1;

        var strides = new long[terms.Length][];
        for (int t = 0; t < terms.Length; t++)
        {
            strides[t] = new long[labelCount];
            var st = Tensor.StridesOf(shapes[t]);
            for (int ax = 0; ax < axisLabels[t].Length; ax++)
            {
                int l = axisLabels[t][ax];
                // A size-1 axis under a larger label broadcasts: it contributes no stride.
                if (shapes[t][ax] == 1 && sizes[l] != 1) continue;
                strides[t][l] += st[ax];
            }
        }
        return new EinsumEquation
        {
            LabelSizes = sizes,
            OutputLabels = output,
            SumLabels = sum,
            Strides = strides,
            InputAxisLabels = axisLabels,
        };
    }

    private static List<int> ParseTerm(string term, string equation, Func<string, Exception> fail)
    {
        var r = new List<int>();
        for (int i = 0; i < term.Length; i++)
        {
            if (term[i] == '.')
            {
                if (i + 2 >= term.Length || term[i + 1] != '.' || term[i + 2] != '.' || r.Contains(-1))
                    throw fail($"malformed ellipsis in '{equation}'");
                r.Add(-1);
                i += 2;
                continue;
            }
            int id = LetterId(term[i]);
            if (id < 0) throw fail($"invalid subscript '{term[i]}' in '{equation}'");
            r.Add(id);
        }
        return r;
    }

    private static string LabelName(int l) => l < 26 ? ((char)('A' + l)).ToString() : l < LetterCount ? ((char)('a' + l - 26)).ToString() : "...";

    /// <summary>How many times each label occurs in input <paramref name="t"/>.</summary>
    public int Occurrences(int t, int label) => InputAxisLabels[t].Count(x => x == label);
}
