import java.util.*;
// Prints the `hashmap` lines of java_random.txt: java.util.HashMap iteration
// orders (default constructor, keys put in the listed order). Run with
// `java JavaHashMapOrder.java` (Java 17).
public class JavaHashMapOrder {
  static void p(List<String> in) {
    Map<String,Integer> m = new HashMap<>();
    for (String s : in) m.put(s, 1);
    System.out.println("hashmap " + String.join("|", in) + " => " + String.join("|", m.keySet()));
  }
  public static void main(String[] a) {
    p(Arrays.asList("7","9","11"));
    p(Arrays.asList("11","9","7","5","3","1","8"));
    List<String> l = new ArrayList<>();
    for (int i = 0; i < 30; i++) l.add("P-" + (i * 7 % 30));
    p(l);
    // 9 keys with one hash (Aa/BB collide): a bin of 9 in a table of 16 resizes it
    List<String> c = new ArrayList<>();
    String[] ab = {"Aa","BB"};
    for (int i = 0; i < 8; i++) c.add(ab[i>>2&1]+ab[i>>1&1]+ab[i&1]);
    c.add(0, "x"); c.add("AaAaAaAa"); c.add("q");
    p(c);
    for (int n = 9; n <= 10; n++) {
      List<String> e = new ArrayList<>();
      e.add("x"); e.add("W-3");
      for (int i = 0; i < n; i++) { e.add(ab[i>>3&1]+ab[i>>2&1]+ab[i>>1&1]+ab[i&1]); if (i == 4) e.add("P-9"); }
      e.add("q"); e.add("Z");
      p(e);
    }
    List<String> d = new ArrayList<>();
    for (int i = 0; i < 100; i++) d.add("W-" + (i % 13) + " P-" + (i * 31 % 17) + (char)('A' + i % 5));
    p(new ArrayList<>(new LinkedHashSet<>(d)));
  }
}
