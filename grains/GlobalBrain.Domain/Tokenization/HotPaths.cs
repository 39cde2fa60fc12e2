using System.Reflection;
using System.Runtime.CompilerServices;
using GlobalBrain.Domain.Tokenization.Bert;

namespace GlobalBrain.Domain.Tokenization;

/// <summary>
/// JIT-compiles the hot loops ahead of their first call. They are marked
/// <see cref="MethodImplOptions.AggressiveOptimization"/> (ReadyToRun code of them was slower), so a process
/// compiles them when it first encodes, on the path of its first block; a short-lived process (the CLI's
/// <c>tokenize</c>) calls this on another thread while it is still reading its vocabulary.
/// </summary>
public static class HotPaths
{
    /// <summary>bert's encoder and its token table.</summary>
    public static void PrepareBert()
    {
        Prepare(typeof(BertEncoder));
        Prepare(typeof(TokenTable));
    }

    /// <summary>The methods of <paramref name="type"/> marked AggressiveOptimization.</summary>
    public static void Prepare(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        const BindingFlags Declared = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        foreach (var method in type.GetMethods(Declared))
        {
            if ((method.MethodImplementationFlags & MethodImplAttributes.AggressiveOptimization) != 0 && !method.ContainsGenericParameters)
            {
                RuntimeHelpers.PrepareMethod(method.MethodHandle);
            }
        }
    }
}
