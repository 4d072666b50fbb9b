using System.Text;

namespace Engine.Tests.Passes.Memory;

/// <summary>
/// Random DAGs in IR text for memory-plan properties: elementwise and broadcasting ops, zero-copy
/// views (Flatten, Reshape, Identity, Squeeze, Unsqueeze), contiguous and non-contiguous Concats,
/// copies (Transpose), a two-output Split, and graph outputs that may be inputs, the initializer,
/// views or repeated. Each step is one int decoded digit by digit, so CsCheck shrinks recipes.
/// </summary>
internal static class RandomPlanGraphs
{
    public static string Build(int[] steps, int[] outputs)
    {
        var pool = new List<(string Name, int[] Dims)> { ("x0", [1, 2, 4]), ("x1", [1, 3, 4]), ("w", [1, 1, 4]) };
        var body = new StringBuilder();
        int fresh = 0;
        string New() => "v" + fresh++;
        string Shape(int[] d) => string.Join(",", d);

        foreach (int s in steps)
        {
            int kind = s % 10, a = s / 10 % 64, b = s / 1000 % 64, c = s / 100000 % 64;
            var (an, ad) = pool[a % pool.Count];
            var (bn, bd) = pool[b % pool.Count];
            string o = New();
            switch (kind)
            {
                case 0:
                    body.Append($"  %{o} = Relu(%{an})\n");
                    pool.Add((o, ad));
                    break;
                case 1:
                    body.Append($"  %{o} = Sigmoid(%{an})\n");
                    pool.Add((o, ad));
                    break;
                case 2 when bd.SequenceEqual(ad):
                    body.Append($"  %{o} = Add(%{an}, %{bn})\n");
                    pool.Add((o, ad));
                    break;
                case 2 when ad.Length == 3 && ad[2] == 4:
                    body.Append(b % 2 == 0 ? $"  %{o} = Add(%{an}, %w)\n" : $"  %{o} = Mul(%w, %{an})\n");
                    pool.Add((o, ad));
                    break;
                case 3:
                    body.Append($"  %{o} = Flatten(%{an}) {{axis = 1}}\n");
                    pool.Add((o, [ad[0], ad.Skip(1).Aggregate(1, (p, d) => p * d)]));
                    break;
                case 4:
                    {
                        int n = ad.Aggregate(1, (p, d) => p * d);
                        int[] to = n % 4 == 0 ? [1, n / 4, 4] : [1, n];
                        body.Append($"  init %s{o}: i64[{to.Length}] = [{string.Join(", ", to)}]\n  %{o} = Reshape(%{an}, %s{o})\n");
                        pool.Add((o, to));
                        break;
                    }
                case 5 when b % 3 == 0 || ad.Length >= 4:
                    if (ad[0] == 1 && ad.Length > 1)
                    {
                        body.Append($"  init %s{o}: i64[1] = [0]\n  %{o} = Squeeze(%{an}, %s{o})\n");
                        pool.Add((o, ad[1..]));
                    }
                    else
                    {
                        body.Append($"  %{o} = Identity(%{an})\n");
                        pool.Add((o, ad));
                    }
                    break;
                case 5 when b % 3 == 1:
                    body.Append($"  init %s{o}: i64[1] = [0]\n  %{o} = Unsqueeze(%{an}, %s{o})\n");
                    pool.Add((o, [1, .. ad]));
                    break;
                case 5:
                    body.Append($"  %{o} = Identity(%{an})\n");
                    pool.Add((o, ad));
                    break;
                case 6 or 7 when ad.Length >= 2:
                    {
                        int axis = kind == 6 ? 1 : ad.Length - 1;
                        var parts = new List<(string Name, int[] Dims)> { (an, ad) };
                        foreach (int pick in new[] { b, c })
                        {
                            var cand = pool.Where(p => p.Dims.Length == ad.Length && Enumerable.Range(0, ad.Length).All(i => i == axis || p.Dims[i] == ad[i])).ToList();
                            if (pick % 5 != 4) parts.Add(cand[pick % cand.Count]);
                        }
                        // Fresh producers read only by this Concat, so it can often be built in place.
                        for (int j = 0; j < parts.Count; j++)
                        {
                            if ((c >> j) % 2 == 1) continue;
                            string fresh_ = o + "p" + j;
                            body.Append($"  %{fresh_} = {(j % 2 == 0 ? "Tanh" : "Transpose")}(%{parts[j].Name}){(j % 2 == 0 ? "" : $" {{perm = [{string.Join(", ", Enumerable.Range(0, ad.Length))}]}}")}\n");
                            parts[j] = (fresh_, parts[j].Dims);
                        }
                        var dims = (int[])ad.Clone();
                        dims[axis] = parts.Sum(p => p.Dims[axis]);
                        body.Append($"  %{o} = Concat({string.Join(", ", parts.Select(p => "%" + p.Name))}) {{axis = {(axis == 1 && b % 2 == 0 ? axis - ad.Length : axis)}}}\n");
                        pool.Add((o, dims));
                        break;
                    }
                case 8:
                    body.Append($"  %{o} = Transpose(%{an}) {{perm = [{string.Join(", ", Enumerable.Range(0, ad.Length).Reverse())}]}}\n");
                    pool.Add((o, ad.Reverse().ToArray()));
                    break;
                case 9 when ad.Length >= 2 && ad[1] % 2 == 0:
                    {
                        string o2 = New();
                        body.Append($"  %{o}, %{o2} = Split(%{an}) {{axis = 1, num_outputs = 2}}\n");
                        var half = (int[])ad.Clone();
                        half[1] /= 2;
                        pool.Add((o, half));
                        pool.Add((o2, half));
                        break;
                    }
                default:
                    body.Append($"  %{o} = Neg(%{an})\n");
                    pool.Add((o, ad));
                    break;
            }
        }
        var outs = outputs.Select(i => "%" + pool[i % pool.Count].Name).ToList();
        if (outs.Count == 0) outs.Add("%" + pool[^1].Name);
        return $"graph main(%x0: f32[{Shape(pool[0].Dims)}], %x1: f32[{Shape(pool[1].Dims)}]) -> ({string.Join(", ", outs)}) {{\n"
            + "  init %w: f32[1,1,4] = [0.5, 1, 2, 3]\n" + body + "}\n";
    }
}
