package io.paxosql.proxy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReadGateCoversTest {
  @Test
  void aPositionCoversAnotherPerDomainBySequence() {
    assertTrue(ReadGate.covers("0-4097-10", "0-4097-10"));
    assertTrue(ReadGate.covers("0-8194-12", "0-4097-10"));
    assertFalse(ReadGate.covers("0-4097-10", "0-4097-11"));
    assertFalse(ReadGate.covers("", "0-4097-1"));
    assertTrue(ReadGate.covers("0-1-5,1-2-7", "1-2-7"));
    assertFalse(ReadGate.covers("0-1-5", "0-1-5,1-2-1"));
  }
}
